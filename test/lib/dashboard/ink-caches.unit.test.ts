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
  // dashboard's drawing time); the patch keeps them from one frame to the next.
  it('reuses the styled characters of a line drawn again in a later frame', () => {
    const line = '\u001b[32mAlice Able\u001b[39m  1,234  45.6 %'
    const frame = () => new Output({width: 40, height: 1})
    assert.equal(frame().caches.getStyledChars(line), frame().caches.getStyledChars(line))
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
})
