import type {Admin, Kafka} from 'kafkajs'
import type pg from 'pg'

import {describeCause, unavailableError} from '../errors.js'
import type {TopicNames} from '../kafka/topics.js'
import {aggregateKinds, existingAggregateTopics, fetchLag, queryCounts, runViewer, viewerConsumer} from './sources.js'
import {DashboardState} from './state.js'
import type {Snapshot} from './types.js'

export interface ReadOptions {
  /** Stop once no batch arrived for this long after joining (an open transaction keeps the end out of reach). */
  idleMs?: number
  /** Give up joining the group after this long. */
  joinTimeoutMs?: number
}

/**
 * Reads every aggregate topic up to its current high watermark and returns one snapshot.
 * Positions come from kafkajs' batch events, which also cover batches holding only
 * transaction markers, so the end is reached although markers are never delivered.
 */
export async function readSnapshot(kafka: Kafka, admin: Admin, pool: pg.Pool, topics: TopicNames, namespace: string, options: ReadOptions = {}): Promise<Snapshot> {
  const state = new DashboardState()
  state.counts = await queryCounts(pool)
  state.postgres = {status: 'connected'}
  state.lag = await fetchLag(admin, topics)
  await readToEnd(kafka, admin, topics, namespace, state, options)
  state.kafka = {status: 'connected'}
  return state.snapshot()
}

async function readToEnd(kafka: Kafka, admin: Admin, topics: TopicNames, namespace: string, state: DashboardState, options: ReadOptions): Promise<void> {
  const targets = new Map<string, number>()
  for (const topic of await existingAggregateTopics(admin, topics)) {
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (Number(o.high) > Number(o.low)) targets.set(`${topic}:${o.partition}`, Number(o.high))
    }
  }
  if (targets.size === 0) return
  const subscribed = [...new Set([...targets.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))]

  const consumer = viewerConsumer(kafka, namespace)
  const positions = new Map<string, number>()
  let joinedAt: number | null = null
  let lastProgress = Date.now()
  let crashed: unknown
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = lastProgress = Date.now()
  })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({payload}) => {
    positions.set(`${payload.topic}:${payload.partition}`, Number(payload.lastOffset) + 1)
    lastProgress = Date.now()
  })
  consumer.on(consumer.events.CRASH, ({payload}) => {
    if (!payload.restart) crashed = payload.error
  })
  const reached = () => [...targets].every(([k, high]) => (positions.get(k) ?? 0) >= high)
  const started = Date.now()
  try {
    await consumer.connect()
    await runViewer(consumer, subscribed, aggregateKinds(topics), state, () => {})
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const now = Date.now()
        let error: unknown
        if (crashed) error = crashed
        else if (joinedAt === null && now - started > (options.joinTimeoutMs ?? 20_000)) error = new Error('timed out joining the consumer group')
        const done = reached() || (joinedAt !== null && now - lastProgress > (options.idleMs ?? 2000))
        if (error || done) {
          clearInterval(timer)
          if (error) reject(unavailableError(`Kafka: could not read the aggregate topics: ${describeCause(error)}`, error))
          else resolve()
        }
      }, 25)
    })
  } finally {
    await consumer.disconnect().catch(() => {})
  }
}
