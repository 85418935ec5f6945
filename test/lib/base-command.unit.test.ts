import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const baseCommand = fileURLToPath(new URL('../../src/lib/base-command.ts', import.meta.url))
const flags = fileURLToPath(new URL('../../src/lib/flags.ts', import.meta.url))
const exitWhenDone = fileURLToPath(new URL('../../src/lib/exit-when-done.ts', import.meta.url))
const errors = fileURLToPath(new URL('../../src/lib/errors.ts', import.meta.url))

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

/**
 * Runs a long-running command to its end as bin/run.js does (its clean-up, then exitWhenDone),
 * with a handle left open the way kafkajs' straggler reconnects leave one, and sends SIGTERM
 * at `when`: from its last clean-up (before the --json result is printed) or once it is lingering.
 */
function signalWhileEnding(when: 'cleanup' | 'lingering', outcome: 'succeeds' | 'fails') {
  const sigterm = `process.kill(process.pid, 'SIGTERM')`
  const script = `
    import {BaseCommand} from ${JSON.stringify(baseCommand)}
    import {memberFlags} from ${JSON.stringify(flags)}
    import {exitWhenDone} from ${JSON.stringify(exitWhenDone)}
    import {ElectionError} from ${JSON.stringify(errors)}
    class Member extends BaseCommand {
      static longRunning = true
      static enableJsonFlag = true
      static flags = memberFlags('votes')
      async run() {
        // Registered first, so it runs last.
        this.onCleanup(async () => { ${when === 'cleanup' ? sigterm : ''} })
        setInterval(() => {}, 1000) // the straggler
        ${outcome === 'fails' ? "throw new ElectionError('no voters', 'config', [])" : 'return {counted: 7}'}
      }
    }
    await Member.run(['--json'], ${JSON.stringify(root)})
    exitWhenDone(60_000)
    ${when === 'lingering' ? `setTimeout(() => ${sigterm}, 200)` : ''}
  `
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  })
}

describe('BaseCommand', () => {
  for (const when of ['cleanup', 'lingering'] as const) {
    const moment = when === 'cleanup' ? 'in its clean-up' : 'lingering on an open handle'
    it(`a SIGTERM while a command is already ending (${moment}) ends it at once with its own exit code and output`, () => {
      const ok = signalWhileEnding(when, 'succeeds')
      assert.equal(ok.signal, null, `exited by itself, not killed by the signal or the spawn timeout; stderr: ${ok.stderr}`)
      assert.equal(ok.status, 0, ok.stderr)
      assert.deepEqual(JSON.parse(ok.stdout), {counted: 7})

      const failed = signalWhileEnding(when, 'fails')
      assert.equal(failed.signal, null, failed.stderr)
      assert.equal(failed.status, 3, failed.stderr)
      assert.equal(JSON.parse(failed.stdout).error.message, 'no voters')
    })
  }

  it("bounds a stop by --stop-timeout including the command's own clean-up (a pool or client hanging on a paused service)", () => {
    const run = stopWithHangingCleanup('1s')
    assert.equal(run.signal, null, `ended by itself, not by the spawn timeout; stderr: ${run.stderr}`)
    assert.equal(run.status, 4, run.stderr)
    assert.match(run.stderr, /^Error: stopped without a clean shutdown: Kafka or Postgres did not answer within --stop-timeout 1s$/m)
  })
})
