import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {mock} from 'node:test'

import type {Consumer} from 'kafkajs'

import {MemberLifecycle} from '../../../src/lib/kafka/lifecycle.js'

/**
 * Stands in for a kafkajs consumer: MemberLifecycle only listens to its events, so the
 * test plays the group coordinator and the fetch loop by emitting them.
 */
class Events extends EventEmitter {
  readonly events = {
    GROUP_JOIN: 'consumer.group_join',
    HEARTBEAT: 'consumer.heartbeat',
    FETCH: 'consumer.fetch',
    REBALANCING: 'consumer.rebalancing',
  }
  join = () => this.emit(this.events.GROUP_JOIN, {})
  heartbeat = () => this.emit(this.events.HEARTBEAT, {})
  fetch = () => this.emit(this.events.FETCH, {})
  rebalance = () => this.emit(this.events.REBALANCING, {})
}

const IDLE_MS = 1000

describe('MemberLifecycle: idle detection (fake timers)', () => {
  let consumer: Events
  let lifecycle: MemberLifecycle
  let stopped: boolean

  /** Moves time on in steps of `every` ms, with a successful (empty) fetch at each step unless told otherwise. */
  const run = (ms: number, {fetching = true, every = 100} = {}) => {
    for (let t = 0; t < ms; t += every) {
      mock.timers.tick(every)
      if (fetching) consumer.fetch()
    }
  }

  const start = (idleMs: number | undefined, stopSignal?: AbortSignal, upstreamActive?: () => Promise<boolean>) => {
    consumer = new Events()
    lifecycle = new MemberLifecycle(consumer as unknown as Consumer, idleMs, stopSignal, upstreamActive)
    stopped = false
    void lifecycle.untilStopped().then(() => (stopped = true))
  }

  /** Not idle 900 ms after `since`, idle by 1300 ms (the check runs every 250 ms). */
  const idleAfterIdleTime = (since: string) => {
    run(900)
    assert.equal(lifecycle.stopReason, null, `900 ms after ${since}`)
    run(400)
    assert.equal(lifecycle.stopReason, 'idle', `1300 ms after ${since}`)
  }

  beforeEach(() => {
    mock.timers.enable({apis: ['setInterval', 'Date'], now: 1_000_000})
  })
  afterEach(() => mock.timers.reset())

  it('is idle once it holds an assignment and its fetches kept succeeding, empty, for the idle time', async () => {
    start(IDLE_MS)
    consumer.join()
    idleAfterIdleTime('the join')
    await Promise.resolve()
    assert.equal(stopped, true, 'untilStopped() resolved')
    assert.equal(lifecycle.abort.signal.aborted, true)
  })

  it('waiting for an assignment is never idle, however long the fetches go on', () => {
    start(IDLE_MS)
    run(30_000)
    assert.equal(lifecycle.assigned, false)
    assert.equal(lifecycle.stopReason, null)
  })

  it('a broker outage is never idle: no fetch succeeds, so no idle time passes', () => {
    start(IDLE_MS)
    consumer.join()
    run(30_000, {fetching: false})
    assert.equal(lifecycle.stopReason, null)
    run(1300)
    assert.equal(lifecycle.stopReason, 'idle', 'idle once fetches succeed again for the idle time')
  })

  it('records restart the idle time', () => {
    start(IDLE_MS)
    consumer.join()
    run(800)
    lifecycle.recordsArrived()
    idleAfterIdleTime('the last record')
  })

  it('is not idle while a batch is being worked on, and counts the idle time from its end', async () => {
    start(IDLE_MS)
    consumer.join()
    let finish!: () => void
    const work = lifecycle.track(() => new Promise<void>((resolve) => (finish = resolve)))
    run(5000)
    assert.equal(lifecycle.stopReason, null, 'busy for 5 s')
    finish()
    await work
    idleAfterIdleTime('the batch ended')
  })

  it('a rebalance takes the assignment away; the idle time starts again at the next join', () => {
    start(IDLE_MS)
    consumer.join()
    run(800)
    consumer.rebalance()
    assert.equal(lifecycle.assigned, false)
    run(5000)
    assert.equal(lifecycle.stopReason, null, 'no assignment, not idle')
    consumer.join()
    idleAfterIdleTime('the rejoin')
  })

  it('without --exit-when-idle it is never idle', () => {
    start(undefined)
    consumer.join()
    run(60_000)
    assert.equal(lifecycle.stopReason, null)
  })

  it('a stop signal stops it, even one given before it existed, and the first reason stays', async () => {
    const early = new AbortController()
    early.abort()
    start(IDLE_MS, early.signal)
    assert.equal(lifecycle.stopReason, 'signal')
    await Promise.resolve()
    assert.equal(stopped, true)

    const later = new AbortController()
    start(IDLE_MS, later.signal)
    consumer.join()
    later.abort()
    lifecycle.stop('duration')
    lifecycle.fail(new Error('late'))
    assert.equal(lifecycle.stopReason, 'signal', 'a later stop does not replace the reason')
  })

  it('confirmations move on every join and heartbeat', () => {
    start(IDLE_MS)
    assert.equal(lifecycle.confirmations, 0)
    consumer.join()
    consumer.heartbeat()
    consumer.heartbeat()
    assert.equal(lifecycle.confirmations, 3)
  })

  describe('with an upstream check (aggregate: a vote process in the voting group)', () => {
    /** Like run(), letting the upstream check's promise settle after every step. */
    const runSettling = async (ms: number, every = 100) => {
      for (let t = 0; t < ms; t += every) {
        mock.timers.tick(every)
        consumer.fetch()
        for (let i = 0; i < 5; i++) await Promise.resolve()
      }
    }

    it('is not idle while upstream is at work, however long; once it is gone, after the idle time again', async () => {
      let active = true
      let checks = 0
      start(IDLE_MS, undefined, async () => (checks++, active))
      consumer.join()
      await runSettling(30_000)
      assert.equal(lifecycle.stopReason, null, 'a vote process is still in the voting group')
      assert.ok(checks >= 25 && checks <= 31, `asked at most once a second while idle: ${checks} checks in 30 s`)
      active = false
      await runSettling(1000)
      assert.equal(lifecycle.stopReason, null, 'its last votes may still be on their way: the idle time counts again')
      await runSettling(1300)
      assert.equal(lifecycle.stopReason, 'idle')
    })

    it('upstream coming back resets it; a check that fails is not "gone"', async () => {
      let answer: () => Promise<boolean> = async () => false
      start(IDLE_MS, undefined, () => answer())
      consumer.join()
      await runSettling(1100)
      answer = async () => true
      await runSettling(5000)
      assert.equal(lifecycle.stopReason, null, 'back in the group before the idle time passed again')
      answer = async () => {
        throw new Error('broker away')
      }
      await runSettling(10_000)
      assert.equal(lifecycle.stopReason, null, 'unknown is not idle')
      answer = async () => false
      await runSettling(3000)
      assert.equal(lifecycle.stopReason, 'idle')
    })
  })
})
