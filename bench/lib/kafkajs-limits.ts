import {randomUUID} from 'node:crypto'

import type {EachBatchPayload, Kafka, Producer} from 'kafkajs'

import {cpuUse, machineBusy, type CpuUse} from './cpu.js'

/**
 * The client's own ceilings, measured with kafkajs itself (the client `vote` and `aggregate` use),
 * on this machine in the same run: what the commands could reach if they did nothing but move
 * records. Each is driven the way the command drives kafkajs, so the ratio says what the
 * command's own work (Postgres, validation, counting) costs.
 */
export interface KafkajsLimits {
  /** Idempotent producer, acks=all, batches of `batch` records, one send at a time (as register-voters and vote send). */
  produce: Limit
  /** A consumer group reading the whole topic with eachBatch and JSON.parse of every value (as aggregate reads). */
  consumeParse: Limit
  /**
   * Consume-transform-produce: per partition, a transactional producer; per chunk of `chunk` records
   * a transaction that sends them to another topic and commits the input offsets with
   * sendOffsets (as vote does, without Postgres).
   */
  transactional: Limit & {chunk: number}
}

/** A ceiling: its rate, and what the timed span cost the machine (the client and the broker both). */
interface Limit {
  records: number
  recordsPerSecond: number
  cpu?: CpuUse
}

const now = () => performance.now()
const rate = (records: number, ms: number) => Math.round(records / Math.max(ms / 1000, 0.001))

/** Times `records` handled between two marks, with the machine's busy CPU between them. */
class Span {
  private readonly start = {t: now(), busy: machineBusy()}

  end(records: number): Limit {
    const ms = now() - this.start.t
    const busy = machineBusy()
    const cpu = busy === undefined || this.start.busy === undefined ? undefined : cpuUse(busy - this.start.busy, ms / 1000, records)
    return {records, recordsPerSecond: rate(records, ms), cpu}
  }
}

/** Sends `records` copies of `value` (keys spread over the partitions) in batches of `batch`. */
export async function measureProduce(
  kafka: Kafka,
  topic: string,
  records: number,
  value: Buffer,
  batch = 1000,
): Promise<KafkajsLimits['produce']> {
  const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    const span = new Span()
    for (let sent = 0; sent < records; sent += batch) {
      const n = Math.min(batch, records - sent)
      await producer.send({topic, acks: -1, messages: Array.from({length: n}, (_, i) => ({key: String(sent + i), value}))})
    }
    return span.end(records)
  } finally {
    await producer.disconnect()
  }
}

/**
 * Runs a consumer group over `topic` from the beginning until `records` have been handled by
 * `handle`, timing from the first batch (the group join is not the client's throughput).
 */
async function drain(
  kafka: Kafka,
  topic: string,
  records: number,
  partitionsConsumedConcurrently: number,
  handle: (payload: EachBatchPayload) => Promise<void>,
  groupId = `${topic}-limit-${randomUUID()}`,
): Promise<Limit> {
  const consumer = kafka.consumer({groupId, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024})
  await consumer.connect()
  try {
    await consumer.subscribe({topic, fromBeginning: true})
    let seen = 0
    let span: Span | undefined
    return await new Promise<Limit>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen} of ${records} records on ${topic} within 5 minutes`)), 5 * 60_000)
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently,
          eachBatch: async (payload) => {
            span ??= new Span()
            await handle(payload)
            seen += payload.batch.messages.length
            if (seen >= records) {
              clearTimeout(timer)
              resolve(span.end(records))
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
}

export async function measureConsumeParse(
  kafka: Kafka,
  topic: string,
  records: number,
  partitions: number,
): Promise<KafkajsLimits['consumeParse']> {
  let parsed = 0
  const limit = await drain(kafka, topic, records, partitions, async ({batch, resolveOffset}) => {
    for (const message of batch.messages) {
      if (message.value) parsed += JSON.parse(message.value.toString()) ? 1 : 0
    }
    resolveOffset(batch.lastOffset())
  })
  if (parsed === 0) throw new Error(`no JSON record parsed on ${topic}`)
  return limit
}

export async function measureTransactional(
  kafka: Kafka,
  input: string,
  output: string,
  records: number,
  partitions: number,
  chunk = 1000,
): Promise<KafkajsLimits['transactional']> {
  const groupId = `${input}-limit-${randomUUID()}`
  const producers = new Map<number, Producer>()
  const producerFor = async (partition: number) => {
    let producer = producers.get(partition)
    if (!producer) {
      producer = kafka.producer({idempotent: true, maxInFlightRequests: 1, transactionalId: `${groupId}-${partition}`})
      await producer.connect()
      producers.set(partition, producer)
    }
    return producer
  }
  try {
    const limit = await drain(
      kafka,
      input,
      records,
      partitions,
      async ({batch, resolveOffset, heartbeat}) => {
        const producer = await producerFor(batch.partition)
        for (let i = 0; i < batch.messages.length; i += chunk) {
          const slice = batch.messages.slice(i, i + chunk)
          const transaction = await producer.transaction()
          await transaction.send({topic: output, acks: -1, messages: slice.map((m) => ({key: m.key, value: m.value}))})
          const next = (BigInt(slice.at(-1)!.offset) + 1n).toString()
          await transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [{topic: input, partitions: [{partition: batch.partition, offset: next}]}],
          })
          await transaction.commit()
          resolveOffset(slice.at(-1)!.offset)
          await heartbeat()
        }
      },
      groupId,
    )
    return {...limit, chunk}
  } finally {
    await Promise.all([...producers.values()].map((p) => p.disconnect().catch(() => {})))
  }
}
