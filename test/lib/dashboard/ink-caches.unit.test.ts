import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const heapAfterGc = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

// The very modules Ink's renderer uses (same URLs), past its package exports.
const inkBuild = import.meta.resolve('ink')
const {default: measureText} = (await import(new URL('./measure-text.js', inkBuild).href)) as {default: (text: string) => unknown}
const {default: wrapText} = (await import(new URL('./wrap-text.js', inkBuild).href)) as {
  default: (text: string, width: number, wrap: string) => string
}
interface Output {
  write(x: number, y: number, text: string, options: {transformers: unknown[]}): void
  get(): {output: string}
  caches: {getStyledChars(line: string): unknown}
}
const {default: Output} = (await import(new URL('./output.js', inkBuild).href)) as {
  default: new (size: {width: number; height: number}) => Output
}

// What Ink 6.8 itself does to turn a row of styled cells into text: the reference for the patch's own.
const {styledCharsFromTokens, styledCharsToString, tokenize} = await import('@alcalzone/ansi-tokenize')
const {default: stringWidth} = await import('string-width')

/**
 * Ink 6 measures and wraps every text through module-level caches keyed by the text and never
 * emptied (vadimdemedes/ink#986; fixed only in releases that need Node 22): a live view whose
 * numbers change every second kept every one of them, about 15 MB an hour for the dashboard.
 * patches/ink+6.8.0.patch bounds both; `npm ci` applies it (postinstall).
 */
describe('Ink as installed (patches/ink+6.8.0.patch)', () => {
  it('keeps a bounded cache of the texts it measured and wrapped, however many distinct texts it drew', () => {
    const text = (i: number) => `${String(i).padStart(7, '0')} `.repeat(32) // 256 characters, wider than 80 columns: truncated
    const before = heapAfterGc()
    for (let i = 0; i < 12_000; i++) {
      const wrapped = wrapText(text(i), 80, 'truncate')
      measureText(text(i))
      measureText(wrapped)
    }
    const retained = heapAfterGc() - before
    // Unbounded, 12,000 texts keep ~12 MB or more (each text and its wrapped form, keys and values); bounded, ~2 MB.
    assert.ok(retained < 6e6, `${Math.round(retained / 1e6)} MB retained after measuring 12,000 distinct texts`)
  })

  // Ink tokenised every line of every frame into styled characters anew (a third of the
  // dashboard's drawing time); the patch keeps them from one frame to the next, from a line's
  // second frame on. A line seen once is not kept: a line that changes every frame (a count, a
  // clock, the race chart) would otherwise outlive its frame in the cache and pile up as old
  // garbage, a megabyte a second at 5,000 votes/s (issue 12, section 4).
  it('reuses the styled characters of a line drawn again in later frames, from its second frame', () => {
    const line = '\u001b[32mAlice Able\u001b[39m  1,234  45.6 %'
    const frame = () => new Output({width: 40, height: 1})
    const first = frame().caches.getStyledChars(line)
    const second = frame().caches.getStyledChars(line)
    assert.notEqual(first, second, 'a line seen for the first time is not kept')
    assert.deepEqual(first, second)
    assert.equal(frame().caches.getStyledChars(line), second)
  })

  it('keeps a bounded number of styled lines, however many distinct lines it drew', () => {
    const before = heapAfterGc()
    for (let i = 0; i < 12_000; i++) {
      const frame = new Output({width: 100, height: 1})
      frame.write(0, 0, `\u001b[1m${String(i).padStart(96, '.')}\u001b[22m`, {transformers: []})
      frame.get()
    }
    const retained = heapAfterGc() - before
    // 1.2 million styled characters if kept; bounded, at most two generations of 4,000 characters.
    assert.ok(retained < 6e6, `${Math.round(retained / 1e6)} MB retained after drawing 12,000 distinct lines`)
  })

  // The patch writes a row's escape codes only where the style changes, and shares one blank
  // cell: Ink diffed every pair of cells, with a handful of sets and arrays each, for every cell
  // of every frame. The text must be what Ink 6.8 wrote, byte for byte.
  it('writes each row exactly as Ink 6.8 did, escape codes included', () => {
    const esc = (codes: string) => `\u001b[${codes}m`
    const lines = [
      'plain text',
      `${esc('1')}bold${esc('22')} then ${esc('2')}dim${esc('22')} and ${esc('1')}${esc('2')}both${esc('22')} end`,
      `${esc('32')}green ${esc('1')}bold green${esc('39')} bold only${esc('22')} none`,
      `${esc('38;2;255;136;0')}orange${esc('39')}${esc('48;5;21')} on blue ${esc('49')}`,
      `${esc('7')}inverse${esc('0')} reset ${esc('4')}underlined to the end`,
      `${esc('31')}红色 wide ✓ and 🗳 votes${esc('39')} after`,
      `${esc('36')}trailing styled spaces   ${esc('39')}`,
      `${esc('1')}${esc('31')}nested ${esc('42')}colours${esc('0')}`,
      `\u001b]8;;https://example.org\u0007link\u001b]8;;\u0007 text`,
      `${esc('33')}${'styled to the last column '.repeat(3).slice(0, 60)}`, // exactly the row's width
    ]
    const width = 60
    for (const line of lines) {
      const output = new Output({width, height: 1})
      output.write(0, 0, line, {transformers: []})
      // Ink 6.8: the line's cells, a filler after each wide one, blanks to the row's width.
      const cells: Array<{type: string; value: string; fullWidth: boolean; styles: unknown[]}> = []
      for (const char of styledCharsFromTokens(tokenize(line))) {
        cells.push(char)
        for (let i = 1; i < Math.max(1, stringWidth(char.value)); i++) cells.push({...char, value: '', fullWidth: false})
      }
      while (cells.length < width) cells.push({type: 'char', value: ' ', fullWidth: false, styles: []})
      assert.equal(output.get().output, styledCharsToString(cells as never).trimEnd(), JSON.stringify(line))
    }
  })
})
