import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const baseCommand = fileURLToPath(new URL('../../src/lib/base-command.ts', import.meta.url))
const flags = fileURLToPath(new URL('../../src/lib/flags.ts', import.meta.url))

/**
 * Runs a long-running command in a fresh Node process whose clean-up never finishes (as
 * pool.end() does with Postgres paused: it waits for a FIN that never comes), and sends it
 * SIGTERM once it is running.
 */
function stopWithHangingCleanup(stopTimeout: string) {
  const script = `
    import {BaseCommand} from ${JSON.stringify(baseCommand)}
    import {memberFlags} from ${JSON.stringify(flags)}
    class Member extends BaseCommand {
      static longRunning = true
      static flags = memberFlags('votes')
      async run() {
        this.onCleanup(() => new Promise(() => setInterval(() => {}, 1000)))
        // The interval stands in for the work in flight (a consumer's socket) until the stop.
        const working = setInterval(() => {}, 1000)
        await new Promise((resolve) => {
          this.stopSignal.signal.addEventListener('abort', resolve)
          process.kill(process.pid, 'SIGTERM')
        })
        clearInterval(working)
      }
    }
    await Member.run(['--stop-timeout', ${JSON.stringify(stopTimeout)}], ${JSON.stringify(root)})
  `
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  })
}

describe('BaseCommand', () => {
  it("bounds a stop by --stop-timeout including the command's own clean-up (a pool or client hanging on a paused service)", () => {
    const run = stopWithHangingCleanup('1s')
    assert.equal(run.signal, null, `ended by itself, not by the spawn timeout; stderr: ${run.stderr}`)
    assert.equal(run.status, 4, run.stderr)
    assert.match(run.stderr, /^Error: stopped without a clean shutdown: Kafka or Postgres did not answer within --stop-timeout 1s$/m)
  })
})
