/** Number formatting shared by the Ink UI and the text snapshot; never prints NaN or Infinity. */

const integer = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})

export function count(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : integer.format(value)
}

export function pct(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(digits)}%`
}

/** A difference of two percentages, e.g. a margin: "12.5 pts". */
export function points(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(digits)} pts`
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-'
  return Math.abs(value) >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

export function rate(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(value >= 100 ? 0 : 1)
}

/** Local wall-clock time of an ISO timestamp, e.g. 14:03:27. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '-'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? '-' : date.toTimeString().slice(0, 8)
}

/** Cuts to `width` characters with an ellipsis, pads to exactly `width` when `pad`. */
export function fit(text: string, width: number, pad = false): string {
  if (width <= 0) return ''
  const cut = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text
  return pad ? cut.padEnd(width) : cut
}

/** Percent of `part` in `whole`, 0 when whole is 0, rounded to 2 decimals. */
export function share(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0
}
