import assert from 'node:assert/strict'

import {commandExists} from '../../../src/lib/services/process.js'

describe('commandExists', () => {
  it('is false only for a command that is not on PATH', async () => {
    assert.equal(await commandExists('election-no-such-command-here'), false)
    assert.equal(await commandExists('sh', ['-c', 'exit 0']), true)
  })

  it('a probe that times out or fails still found the command (a JVM slow to start under load is not a missing one)', async () => {
    assert.equal(await commandExists('sh', ['-c', 'sleep 5'], 100), true)
    assert.equal(await commandExists('sh', ['-c', 'exit 3']), true)
  })
})
