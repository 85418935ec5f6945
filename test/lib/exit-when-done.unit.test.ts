import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const module = fileURLToPath(new URL('../../src/lib/exit-when-done.ts', import.meta.url))

/** Runs `body` in a fresh Node process after the command-like work is "done", as bin/run.js does. */
function afterCommand(body: string) {
  const script = `
    import {exitWhenDone} from ${JSON.stringify(module)}
    import net from 'node:net'
    ${body}
    process.exitCode = 3
    exitWhenDone(100, (open) => console.log('lingering: ' + open.join(',')))
  `
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 60_000})
}

describe('exitWhenDone', () => {
  it('ends a process that a leftover connection would keep alive, with the exit code already set', () => {
    // A listening server stands in for kafkajs' reconnected socket: without exitWhenDone this never exits.
    const run = afterCommand(`net.createServer().listen(0, '127.0.0.1')`)
    assert.equal(run.signal, null, 'ended by itself, not by the spawn timeout')
    assert.equal(run.status, 3)
    assert.match(run.stdout, /lingering: .*TCPServerWrap/)
  })

  it('does not hold up a process that has nothing left open, nor reports anything', () => {
    const run = afterCommand('')
    assert.equal(run.status, 3)
    assert.equal(run.stdout, '')
  })
})
