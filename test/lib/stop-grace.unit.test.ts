import assert from 'node:assert/strict'

import {STOP_HINT_AFTER_MS, StopGrace} from '../../src/lib/stop-grace.js'
import {FakeClock} from '../helpers/clock.js'

describe('StopGrace', () => {
  let clock: FakeClock
  let events: string[]
  let grace: StopGrace
  beforeEach(() => {
    clock = new FakeClock()
    events = []
    grace = new StopGrace(20_000, {hint: () => events.push('hint'), force: (reason) => events.push(`force:${reason}`)}, clock)
  })

  it('does nothing while no stop has begun', async () => {
    await clock.tick(60_000)
    assert.deepEqual(events, [])
  })

  it('hints after a moment and ends the process once the grace is over', async () => {
    grace.begin()
    await clock.tick(STOP_HINT_AFTER_MS - 1)
    assert.deepEqual(events, [])
    await clock.tick(1)
    assert.deepEqual(events, ['hint'])
    await clock.tick(20_000 - STOP_HINT_AFTER_MS - 1)
    assert.deepEqual(events, ['hint'])
    await clock.tick(1)
    assert.deepEqual(events, ['hint', 'force:timeout'])
    await clock.tick(60_000)
    assert.deepEqual(events, ['hint', 'force:timeout'], 'once')
  })

  it('a stop that ends in time is never forced', async () => {
    grace.begin()
    await clock.tick(1000)
    grace.end()
    await clock.tick(60_000)
    assert.deepEqual(events, [])
  })

  it('the first signal begins the stop, a second one ends the process at once', async () => {
    grace.signal()
    await clock.tick(500)
    assert.deepEqual(events, [])
    grace.signal()
    assert.deepEqual(events, ['force:signal'])
    await clock.tick(60_000)
    assert.deepEqual(events, ['force:signal'], 'no hint or timeout after it')
  })

  it('a signal after a stop begun otherwise (the parent gone) ends the process at once', () => {
    grace.begin()
    grace.signal()
    assert.deepEqual(events, ['force:signal'])
  })
})
