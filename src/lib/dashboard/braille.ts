/**
 * A small line-chart renderer for terminals: each character is a 2x4 grid of braille dots, so a
 * chart of w x h characters has 2w x 4h points. No library: the terminal charting packages found
 * draw to their own screen (blessed-contrib) or return one coloured string (asciichart), neither
 * of which fits Ink's components; this is the part of them the dashboard needs.
 */

// The dot bits of a braille cell, by [x][y] (Unicode's numbering: 1-3 and 7 left, 4-6 and 8 right).
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
]
const BLANK = 0x2800

export interface BrailleChart {
  /** One string per row, `width` characters each. */
  rows: string[]
  /** For each character, the series that drew last in it (-1 for none): its colour. */
  owner: number[][]
}

/**
 * Plots each series (values in [min, max], oldest first) across the whole width, joining
 * consecutive points with vertical strokes so that a line stays a line. Later series draw over
 * earlier ones where they cross.
 */
export function brailleChart(series: number[][], width: number, height: number, min: number, max: number): BrailleChart {
  const bits = Array.from({length: height}, () => new Array<number>(width).fill(0))
  const owner = Array.from({length: height}, () => new Array<number>(width).fill(-1))
  const dotsX = width * 2
  const dotsY = height * 4
  const span = max - min || 1
  const yOf = (value: number) => Math.round(((max - Math.min(max, Math.max(min, value))) / span) * (dotsY - 1))
  const plot = (x: number, y: number, s: number) => {
    const [cx, cy] = [Math.floor(x / 2), Math.floor(y / 4)]
    bits[cy]![cx]! |= DOT[x % 2]![y % 4]!
    owner[cy]![cx] = s
  }
  series.forEach((values, s) => {
    if (values.length === 0) return
    let previous: number | null = null
    for (let x = 0; x < dotsX; x++) {
      // The value at this column: the series stretched or squeezed to the width.
      const at = values.length === 1 ? 0 : Math.round((x / (dotsX - 1)) * (values.length - 1))
      const y = yOf(values[at]!)
      const [from, to] = previous === null ? [y, y] : [Math.min(previous, y), Math.max(previous, y)]
      for (let yy = from; yy <= to; yy++) plot(x, yy, s)
      previous = y
    }
  })
  return {rows: bits.map((row) => row.map((b) => String.fromCodePoint(BLANK + b)).join('')), owner}
}

const BLOCKS = ' ▁▂▃▄▅▆▇█'

/** Values as one row of block characters, the highest value a full block; each character the most of its stretch. */
export function sparkline(values: number[], width: number): string {
  if (values.length === 0 || width <= 0) return ''
  const top = Math.max(...values)
  let out = ''
  for (let x = 0; x < width; x++) {
    const from = Math.floor((x / width) * values.length)
    const to = Math.max(from + 1, Math.floor(((x + 1) / width) * values.length))
    const most = Math.max(...values.slice(from, to))
    out += top > 0 ? BLOCKS[Math.round((most / top) * (BLOCKS.length - 1))] : BLOCKS[0]
  }
  return out
}

/** The character column of point `index` of `length` points on a chart `width` characters wide. */
export const columnOf = (index: number, length: number, width: number): number =>
  length <= 1 ? 0 : Math.floor(Math.round((index / (length - 1)) * (width * 2 - 1)) / 2)
