import assert from 'node:assert/strict'

import {chunkSizeFor, MAX_CHUNK, TokenBucket} from '../../../src/lib/vote/rate.js'

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await work()
  return performance.now() - start
}

describe('TokenBucket', () => {
  it('starts empty and then lets `rate` tokens per second through', async () => {
    const bucket = new TokenBucket(200, 10)
    // 100 tokens at 200/s from an empty bucket: ~500 ms (loose bounds, CI machines are slow).
    const ms = await elapsed(async () => {
      for (let i = 0; i < 10; i++) await bucket.take(10)
    })
    assert.ok(ms >= 430, `100 tokens at 200/s took only ${ms.toFixed(0)} ms`)
    assert.ok(ms < 3000, `100 tokens at 200/s took ${ms.toFixed(0)} ms`)
  })

  it('never saves up more than one burst while idle', async () => {
    const bucket = new TokenBucket(100, 10)
    await new Promise((resolve) => setTimeout(resolve, 400)) // would be 40 tokens without the cap
    const ms = await elapsed(async () => {
      for (let i = 0; i < 3; i++) await bucket.take(10)
    })
    // 10 saved, the other 20 at 100/s: ~200 ms.
    assert.ok(ms >= 150, `30 tokens after idling took only ${ms.toFixed(0)} ms: the bucket held more than its burst`)
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`)
  })

  it('lets a request larger than the burst through once the bucket is full, and charges for all of it', async () => {
    const bucket = new TokenBucket(100, 5)
    const first = await elapsed(() => bucket.take(20))
    assert.ok(first >= 30 && first < 1500, `first take(20) with burst 5 took ${first.toFixed(0)} ms`)
    // The 15 tokens over the burst are owed: the next single token waits ~160 ms.
    const second = await elapsed(() => bucket.take(1))
    assert.ok(second >= 110, `the debt of an oversized take was not charged (${second.toFixed(0)} ms)`)
  })

  it('returns promptly when the signal is aborted', async () => {
    const bucket = new TokenBucket(1, 1000)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const ms = await elapsed(() => bucket.take(1000, controller.signal))
    assert.ok(ms < 1000, `an aborted take still waited ${ms.toFixed(0)} ms`)
  })
})

describe('chunkSizeFor', () => {
  it('uses the largest chunk when the rate is unlimited', () => {
    assert.equal(chunkSizeFor(undefined), MAX_CHUNK)
    assert.equal(MAX_CHUNK, 1000)
  })

  it('is a tenth of the rate, at least 1 and at most MAX_CHUNK', () => {
    assert.equal(chunkSizeFor(1), 1)
    assert.equal(chunkSizeFor(9), 1)
    assert.equal(chunkSizeFor(10), 1)
    assert.equal(chunkSizeFor(25), 2)
    assert.equal(chunkSizeFor(200), 20)
    assert.equal(chunkSizeFor(5000), 500)
    assert.equal(chunkSizeFor(10_000), 1000)
    assert.equal(chunkSizeFor(1_000_000), MAX_CHUNK)
  })

  it('always gives a positive integer', () => {
    for (const rate of [1, 2, 3, 7, 11, 99, 101, 333, 4999, 123_457]) {
      const size = chunkSizeFor(rate)
      assert.ok(Number.isInteger(size) && size >= 1 && size <= MAX_CHUNK, `rate ${rate} -> ${size}`)
    }
  })
})
