import type {Kafka} from 'kafkajs'

export interface LatestRecord<T = unknown> {
  key: string
  value: T
  timestamp: number
}

/**
 * Reads topics from the beginning up to their current end (read_committed) and keeps
 * the latest value per key, as compaction would; a tombstone removes the key. Uses a
 * throwaway group and commits nothing: a reader, not a member of the pipeline.
 */
export async function readLatest(kafka: Kafka, topics: string[], options: {groupPrefix?: string; timeoutMs?: number} = {}): Promise<Map<string, Map<string, LatestRecord>>> {
  const admin = kafka.admin()
  await admin.connect()
  const targets = new Map<string, Map<number, number>>()
  try {
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic)
      targets.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])))
    }
  } finally {
    await admin.disconnect()
  }
  const result = new Map(topics.map((t) => [t, new Map<string, LatestRecord>()]))
  const pending = new Set<string>()
  for (const [topic, partitions] of targets) for (const [p, high] of partitions) if (high > 0) pending.add(`${topic}:${p}`)
  if (pending.size === 0) return result

  const consumer = kafka.consumer({groupId: `${options.groupPrefix ?? ''}election-reader-${process.pid}-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 100})
  await consumer.connect()
  try {
    for (const topic of topics) await consumer.subscribe({topic, fromBeginning: true})
    await new Promise<void>((resolve, reject) => {
      // Transaction markers occupy offsets but are never delivered, so a partition may end
      // short of its high watermark: stop when every partition is done or nothing new comes.
      let lastProgress = Date.now()
      const idle = setInterval(() => {
        if (Date.now() - lastProgress > 1500) done()
      }, 200)
      const timeout = setTimeout(() => done(), options.timeoutMs ?? 60_000)
      const done = () => {
        clearInterval(idle)
        clearTimeout(timeout)
        resolve()
      }
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({batch}) => {
            lastProgress = Date.now()
            const latest = result.get(batch.topic)!
            for (const m of batch.messages) {
              const key = m.key?.toString() ?? ''
              if (m.value === null) latest.delete(key)
              else latest.set(key, {key, value: JSON.parse(m.value.toString()), timestamp: Number(m.timestamp)})
            }
            const high = targets.get(batch.topic)!.get(batch.partition)!
            if (Number(batch.lastOffset()) + 1 >= high || Number(batch.highWatermark) <= Number(batch.lastOffset()) + 2) pending.delete(`${batch.topic}:${batch.partition}`)
            if (pending.size === 0) done()
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect().catch(() => {})
  }
  return result
}
