import {randomBytes} from 'node:crypto'

import type {Admin, Consumer, Kafka} from 'kafkajs'

import {describeCause, unavailableError} from '../errors.js'

export interface ReadOptions {
  /** Stop once no batch arrived for this long after joining (an open transaction keeps the end out of reach). */
  idleMs?: number
  /** Give up joining the group after this long. */
  joinTimeoutMs?: number
}

export type OnRecord = (topic: string, key: string, value: Buffer | null, timestamp: number) => void

/**
 * What a reader fetches of each partition at a time. The aggregate topics it reads are small
 * records, many times over per key until compaction catches up (tens of MB after minutes at
 * 5,000 votes/s), and kafkajs decodes a whole fetch into objects at once. At its default (1 MB)
 * the start-up replay of a dashboard peaked 45 MB higher than at 64 KB, for about 0.15 s less
 * reading (issue 12, section 4).
 */
export const READER_PARTITION_FETCH_BYTES = 64 * 1024

/**
 * A throwaway group per reader: it never commits, so every reader sees everything. A fetch
 * returns once `minBytes` are there or after half a second.
 */
export function readerConsumer(kafka: Kafka, namespace: string, role = 'reader', minBytes = 1): Consumer {
  return kafka.consumer({
    groupId: `${namespace}election-${role}-${randomBytes(6).toString('hex')}`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
    minBytes,
    maxBytesPerPartition: READER_PARTITION_FETCH_BYTES,
    sessionTimeout: 10_000,
    heartbeatInterval: 3000,
  })
}

/**
 * Reads topics (read_committed) from the beginning up to their high watermark at the
 * time of the call. Positions come from kafkajs' batch events, which also cover batches
 * holding only transaction markers, so the end is reached although markers are never
 * delivered.
 */
export async function readToEnd(
  kafka: Kafka,
  admin: Admin,
  topics: string[],
  namespace: string,
  onRecord: OnRecord,
  options: ReadOptions = {},
): Promise<void> {
  const targets = new Map<string, number>()
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (Number(o.high) > Number(o.low)) targets.set(`${topic}:${o.partition}`, Number(o.high))
    }
  }
  if (targets.size === 0) return
  const subscribed = [...new Set([...targets.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))]

  const consumer = readerConsumer(kafka, namespace)
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
    await consumer.subscribe({topics: subscribed, fromBeginning: true})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({topic, message}) => {
        if (message.key !== null) onRecord(topic, message.key.toString(), message.value, Number(message.timestamp))
      },
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const now = Date.now()
        let error: unknown
        if (crashed) error = crashed
        else if (joinedAt === null && now - started > (options.joinTimeoutMs ?? 20_000))
          error = new Error('timed out joining the consumer group')
        const done = reached() || (joinedAt !== null && now - lastProgress > (options.idleMs ?? 2000))
        if (error || done) {
          clearInterval(timer)
          if (error) reject(unavailableError(`Kafka: could not read ${subscribed.join(', ')}: ${describeCause(error)}`, error))
          else resolve()
        }
      }, 25)
    })
  } finally {
    await consumer.disconnect().catch(() => {})
  }
}

export interface LatestRecord<T = unknown> {
  key: string
  value: T
  timestamp: number
}

/** The latest JSON value per key of each topic, as compaction would keep it; a tombstone removes the key. */
export async function readLatest(
  kafka: Kafka,
  admin: Admin,
  topics: string[],
  namespace: string,
): Promise<Map<string, Map<string, LatestRecord>>> {
  const result = new Map(topics.map((t) => [t, new Map<string, LatestRecord>()]))
  await readToEnd(kafka, admin, topics, namespace, (topic, key, value, timestamp) => {
    const latest = result.get(topic)!
    if (value === null) latest.delete(key)
    else latest.set(key, {key, value: JSON.parse(value.toString('utf8')) as unknown, timestamp})
  })
  return result
}
