import assert from 'node:assert/strict'

import {Kafka, type EachBatchPayload, type KafkaMessage} from 'kafkajs'

import {FencedError} from '../../../src/lib/kafka/fencing.js'
import {GroupMember, type MemberWork} from '../../../src/lib/kafka/member.js'

// Never connected: the member's batch loop runs on a hand-made batch, no broker involved.
const kafka = new Kafka({brokers: ['127.0.0.1:1'], logCreator: () => () => {}})

function member(stopSignal?: AbortSignal, sessionTimeoutMs = 10_000) {
  const warnings: string[] = []
  const retried: unknown[] = []
  const m = new GroupMember(kafka, {
    groupId: 'g',
    topic: 't',
    sessionTimeoutMs,
    stopSignal,
    tuning: {},
    partitionsConsumedConcurrently: 1,
    logger: {info: () => {}, warn: (message) => warnings.push(message)},
    metrics: {observe: () => {}, retried: (error) => retried.push(error)},
  })
  return {m, warnings, retried}
}

function batch(n: number) {
  const messages = Array.from({length: n}, (_, i) => ({offset: String(i), key: null, value: Buffer.from('{}')}) as KafkaMessage)
  const seen = {heartbeats: 0, paused: 0, resolved: [] as string[]}
  const payload = {
    batch: {topic: 't', partition: 0, messages, lastOffset: () => String(n - 1)},
    resolveOffset: (offset: string) => seen.resolved.push(offset),
    heartbeat: async () => void seen.heartbeats++,
    pause: () => {
      seen.paused++
      return () => {}
    },
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload
  return {payload, seen}
}

/** The member's loop over one batch, as kafkajs would call it. */
const runBatch = (m: GroupMember, payload: EachBatchPayload, work: MemberWork) => m.eachBatch(payload, work)

describe('GroupMember: the batch loop', () => {
  it('cuts a batch into chunks and heartbeats after each; the whole batch when the stage sets no size', async () => {
    const {m} = member()
    const {payload, seen} = batch(5)
    const chunks: number[] = []
    await runBatch(m, payload, {chunkSize: () => 2, process: async (chunk) => void chunks.push(chunk.length)})
    assert.deepEqual(chunks, [2, 2, 1])
    assert.equal(seen.heartbeats, 3)
    const whole: number[] = []
    await runBatch(m, batch(5).payload, {process: async (chunk) => void whole.push(chunk.length)})
    assert.deepEqual(whole, [5])
  })

  it('tells the stage which chunk comes next in the batch, none after the last', async () => {
    const {m} = member()
    const seen: Array<[string[], string[] | undefined]> = []
    await runBatch(m, batch(5).payload, {
      chunkSize: () => 2,
      process: async (chunk, _payload, next) => void seen.push([chunk.map((c) => c.offset), next?.map((c) => c.offset)]),
    })
    assert.deepEqual(seen, [
      [
        ['0', '1'],
        ['2', '3'],
      ],
      [['2', '3'], ['4']],
      [['4'], undefined],
    ])
  })

  it("stops (max) when the stage's budget is spent", async () => {
    const {m} = member()
    let done = 0
    await runBatch(m, batch(10).payload, {
      chunkSize: (inFlight) => Math.min(2, 3 - done - inFlight),
      process: async (chunk) => void (done += chunk.length),
    })
    assert.equal(done, 3)
    assert.equal(m.lifecycle.stopReason, 'max')
  })

  it('pauses instead of processing once asked to stop', async () => {
    const stop = new AbortController()
    stop.abort()
    const {m} = member(stop.signal)
    const {payload, seen} = batch(3)
    let processed = 0
    await runBatch(m, payload, {process: async () => void processed++})
    assert.equal(processed, 0)
    assert.equal(seen.paused, 1)
  })

  it('retries a chunk after a retriable error, counting and telling it', async () => {
    const {m, warnings, retried} = member()
    const outage = Object.assign(new Error('Connection terminated unexpectedly'), {code: '57P01'})
    let calls = 0
    await runBatch(m, batch(2).payload, {
      retry: {attempts: 3, retriable: () => true},
      process: async () => {
        if (++calls === 1) throw outage
      },
    })
    assert.equal(calls, 2)
    assert.deepEqual(retried, [outage])
    assert.deepEqual(warnings, ['retrying a chunk after: Connection terminated unexpectedly'])
    assert.equal(m.lifecycle.error, undefined)
  })

  it('heartbeats while a chunk is processed or retried (an outage longer than the session), and stops when it ends', async () => {
    // Session 2.5 s: a heartbeat every 500 ms. The chunk ends only once two heartbeats came during it.
    const {m} = member(undefined, 2500)
    const {payload, seen} = batch(1)
    let during = 0
    await runBatch(m, payload, {
      process: async () => {
        const deadline = Date.now() + 10_000
        while (seen.heartbeats < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
        during = seen.heartbeats
      },
    })
    assert.equal(during, 2, 'heartbeats during the chunk')
    assert.equal(seen.heartbeats, 3, 'and the one after it')
    await new Promise((resolve) => setTimeout(resolve, 1200))
    assert.equal(seen.heartbeats, 3, 'none once the chunk has ended')
  })

  it('abandons a fenced chunk and the rest of its batch, without retrying it, and lets the group speak', async () => {
    const {m, retried} = member()
    const {payload, seen} = batch(4)
    let calls = 0
    await runBatch(m, payload, {
      chunkSize: () => 2,
      retry: {attempts: 3, retriable: () => true},
      process: async () => {
        calls++
        throw new FencedError(0)
      },
    })
    assert.equal(calls, 1)
    assert.deepEqual(retried, [])
    assert.equal(seen.heartbeats, 1)
    assert.equal(m.lifecycle.error, undefined)
  })

  it('stops the member with an error that is not retried', async () => {
    const {m} = member()
    const bug = new TypeError('a bug')
    await runBatch(m, batch(1).payload, {retry: {attempts: 3, retriable: () => false}, process: async () => Promise.reject(bug)})
    assert.equal(m.lifecycle.error, bug)
    assert.equal(m.lifecycle.stopReason, 'error')
  })
})
