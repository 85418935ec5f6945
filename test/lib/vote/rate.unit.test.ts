import assert from 'node:assert/strict'

import {chunkSizeFor, MAX_CHUNK, TokenBucket} from '../../../src/lib/vote/rate.js'
import {FakeClock, settle} from '../../helpers/clock.js'

/** Starts `take`s in order, counting those that went through. */
function taker(bucket: TokenBucket, sizes: number[], signal?: AbortSignal) {
  const progress = {done: 0}
  void (async () => {
    for (const n of sizes) {
      await bucket.take(n, signal)
      progress.done++
    }
  })()
  return progress
}

describe('TokenBucket (fake clock)', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  /** Moves the clock `ms` on: the `n`-th take has not gone through 5 ms before, and has at the end. */
  async function nthTakeAfter(p: {done: number}, ms: number, n: number, why?: string) {
    await clock.tick(ms - 5)
    assert.equal(p.done, n - 1, why ?? `take ${n} went through before its tokens were in`)
    await clock.tick(5)
    assert.equal(p.done, n, `take ${n} did not go through once its tokens were in`)
  }

  it('starts empty and then lets `rate` tokens per second through', async () => {
    const bucket = new TokenBucket(200, 10, clock)
    const p = taker(bucket, Array(10).fill(10))
    // 10 tokens at 200/s accrue every 50 ms: the k-th take goes through at 50k ms, not before.
    for (let k = 1; k <= 10; k++) await nthTakeAfter(p, 50, k)
  })

  it('saves nothing before its first take (the start-up of vote is not a stall to make up)', async () => {
    const bucket = new TokenBucket(200, 1000, clock)
    await clock.tick(5000) // joining the group, starting producers: a full burst would have accrued
    const p = taker(bucket, [10, 10])
    await nthTakeAfter(p, 50, 1, 'tokens accrued before the first take')
    await nthTakeAfter(p, 50, 2)
  })

  it('never saves up more than one burst while idle', async () => {
    const bucket = new TokenBucket(100, 10, clock)
    const first = taker(bucket, [10])
    await nthTakeAfter(first, 100, 1)
    await clock.tick(400) // would be 40 tokens without the cap
    const p = taker(bucket, [10, 10, 10])
    await clock.tick(0)
    assert.equal(p.done, 1, 'one burst was saved')
    // The other 20 accrue at 100/s: one take per 100 ms.
    await nthTakeAfter(p, 100, 2, 'the bucket held more than its burst')
    await nthTakeAfter(p, 100, 3)
  })

  it('lets a request larger than the burst through once the bucket is full, and charges for all of it', async () => {
    const bucket = new TokenBucket(100, 5, clock)
    const p = taker(bucket, [20, 1])
    // take(20) with burst 5 goes through once the bucket is full (5 tokens), not before.
    await nthTakeAfter(p, 50, 1)
    // The 15 tokens over the burst are owed: the next single token comes 160 ms later.
    await nthTakeAfter(p, 160, 2, 'the debt of an oversized take was not charged')
  })

  it('returns promptly when the signal is aborted, without waiting for the tokens', async () => {
    const bucket = new TokenBucket(1, 1000, clock)
    const controller = new AbortController()
    const p = taker(bucket, [1000], controller.signal)
    await clock.tick(10_000)
    assert.equal(p.done, 0, '1000 tokens at 1/s take 1000 s')
    controller.abort()
    await clock.tick(100)
    assert.equal(p.done, 1, 'an aborted take still waits')
  })

  it('with the system clock, still waits for its tokens', async () => {
    // 2 tokens/s: the first comes 500 ms after an empty start, far beyond a few turns of the event loop.
    const bucket = new TokenBucket(2, 1)
    const p = taker(bucket, [1])
    await settle()
    assert.equal(p.done, 0, 'an empty bucket let a token through at once')
    while (p.done === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(p.done, 1)
  })
})

describe('chunkSizeFor', () => {
  it('uses the largest chunk when the rate is unlimited', () => {
    assert.equal(chunkSizeFor(undefined), MAX_CHUNK)
  })

  it('is 50 ms of votes at the rate, at least 1 and at most MAX_CHUNK', () => {
    assert.equal(chunkSizeFor(1), 1)
    assert.equal(chunkSizeFor(19), 1)
    assert.equal(chunkSizeFor(20), 1)
    assert.equal(chunkSizeFor(50), 2)
    assert.equal(chunkSizeFor(200), 10)
    assert.equal(chunkSizeFor(1000), 50)
    assert.equal(chunkSizeFor(5000), 250)
    assert.equal(chunkSizeFor(20_000), 1000)
    assert.equal(chunkSizeFor(1_000_000), MAX_CHUNK)
  })

  it('always gives a positive integer', () => {
    for (const rate of [1, 2, 3, 7, 11, 99, 101, 333, 4999, 123_457]) {
      const size = chunkSizeFor(rate)
      assert.ok(Number.isInteger(size) && size >= 1 && size <= MAX_CHUNK, `rate ${rate} -> ${size}`)
    }
  })
})
