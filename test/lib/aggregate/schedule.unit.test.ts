import assert from 'node:assert/strict'

import {PublicationSchedule} from '../../../src/lib/aggregate/schedule.js'
import {dimensionKey} from '../../../src/lib/aggregate/store.js'
import {FakeClock} from '../../helpers/clock.js'

describe('PublicationSchedule', () => {
  let clock: FakeClock
  let schedule: PublicationSchedule
  beforeEach(() => {
    clock = new FakeClock()
    schedule = new PublicationSchedule({headlineMs: 25, breakdownMs: 250}, clock)
  })
  const sorted = (keys: string[]) => [...keys].sort()

  it('has nothing due before anything changed', async () => {
    assert.equal(schedule.isDue(), false)
    assert.deepEqual(schedule.take(), {keys: [], headline: false})
  })

  it('publishes the first changes of each kind at once', async () => {
    schedule.mark('candidate', 'c1')
    schedule.mark('location', 'NY')
    assert.equal(schedule.isDue(), true)
    const due = schedule.take()
    assert.equal(due.headline, true)
    assert.deepEqual(sorted(due.keys), sorted([dimensionKey('candidate', 'c1'), dimensionKey('location', 'NY')]))
    assert.equal(schedule.isDue(), false)
  })

  it('publishes candidate totals every headline interval and the breakdowns every breakdown interval', async () => {
    schedule.mark('candidate', 'c1')
    schedule.mark('location_candidate', 'NY|c1')
    schedule.take()
    await clock.tick(25)
    schedule.mark('candidate', 'c1')
    schedule.mark('location_candidate', 'NY|c1')
    schedule.mark('gender', 'female')
    assert.deepEqual(schedule.take(), {keys: [dimensionKey('candidate', 'c1')], headline: true})
    await clock.tick(24)
    schedule.mark('candidate', 'c2')
    assert.equal(schedule.isDue(), false, 'the headline interval is not up')
    await clock.tick(1)
    assert.deepEqual(schedule.take(), {keys: [dimensionKey('candidate', 'c2')], headline: true})
    await clock.tick(200)
    assert.equal(schedule.isDue(), true, 'the breakdown interval is up')
    const breakdowns = schedule.take()
    assert.equal(breakdowns.headline, false)
    assert.deepEqual(sorted(breakdowns.keys), sorted([dimensionKey('location_candidate', 'NY|c1'), dimensionKey('gender', 'female')]))
  })

  it('takes every changed key, due or not, when asked for what is pending (a stop)', async () => {
    schedule.mark('candidate', 'c1')
    schedule.mark('party', 'Green')
    schedule.take()
    await clock.tick(1)
    schedule.mark('candidate', 'c1')
    schedule.mark('party', 'Green')
    assert.equal(schedule.isDue(), false)
    const due = schedule.take(true)
    assert.equal(due.headline, true)
    assert.deepEqual(sorted(due.keys), sorted([dimensionKey('candidate', 'c1'), dimensionKey('party', 'Green')]))
    assert.deepEqual(schedule.take(true), {keys: [], headline: false})
  })

  it('makes keys whose publication failed due again at once, each in its own kind', async () => {
    schedule.mark('candidate', 'c1')
    schedule.mark('age', '18-24')
    const failed = schedule.take().keys
    await clock.tick(1)
    schedule.restore(failed)
    assert.equal(schedule.isDue(), true)
    const due = schedule.take()
    assert.equal(due.headline, true)
    assert.deepEqual(sorted(due.keys), sorted(failed))
  })
})
