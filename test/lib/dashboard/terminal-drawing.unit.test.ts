/**
 * What the dashboard leaves on a real terminal's screen, frame after frame, read back from a
 * terminal emulator: drawn incrementally (only the lines that changed, as the live dashboard
 * does) it must show exactly what redrawing every frame whole shows. Unpatched, Ink 6.8's
 * incremental output drew each frame one line lower than the last (the header stacked down the
 * screen, as seen in tmux) and did not scroll when a frame grew past the bottom.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const run = promisify(execFile)
const frames = fileURLToPath(new URL('../../helpers/terminal-frames.tsx', import.meta.url))

async function drawFrames(columns: number, rows: number): Promise<{frames: number; problems: string[]}> {
  // Without CI in its environment: Ink draws only the last frame when it thinks it runs in CI.
  const env = {...process.env}
  delete env.CI
  delete env.CONTINUOUS_INTEGRATION
  const {stdout} = await run(process.execPath, ['--import', 'tsx', frames, String(columns), String(rows)], {env, timeout: 60_000})
  return JSON.parse(stdout.split('\n')[0]!) as {frames: number; problems: string[]}
}

describe('the dashboard on a terminal screen, drawn incrementally', function () {
  this.timeout(90_000)
  for (const [columns, rows] of [
    [120, 40],
    [80, 24],
  ] as const) {
    it(`at ${columns}x${rows}, every frame leaves the same screen as a whole redraw, and text frames leave their text`, async () => {
      const result = await drawFrames(columns, rows)
      assert.ok(result.frames >= 30, `only ${result.frames} frames drawn`)
      assert.deepEqual(result.problems, [])
    })
  }
})
