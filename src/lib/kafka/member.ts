import type {Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage} from 'kafkajs'

import {describeCause} from '../errors.js'
import type {Logger} from '../logger.js'
import {retry} from '../retry.js'
import {FencedError, isFencingError} from './fencing.js'
import {heartbeatIntervalFor, MemberLifecycle, memberConsumer, runMember, type UpstreamCheck} from './lifecycle.js'

export interface MemberConfig {
  groupId: string
  topic: string
  sessionTimeoutMs: number
  /** --exit-when-idle */
  idleMs?: number
  /** Idle also needs the upstream stage gone (see MemberLifecycle). */
  upstreamActive?: UpstreamCheck
  /** Stop after this long ('duration'). */
  durationMs?: number
  /** Aborted on SIGINT/SIGTERM: finish or abandon the chunk in flight, then stop. */
  stopSignal?: AbortSignal
  /** Fetch sizes and waits. */
  tuning: Partial<ConsumerConfig>
  partitionsConsumedConcurrently: number
  logger: Logger
  metrics: {observe(consumer: Consumer): void; retried(error: unknown): void}
}

/** How a stage's chunks are retried as a whole (see MemberWork.retry). */
export interface ChunkRetry {
  /** Attempts in all, the first one included. */
  attempts: number
  /** The errors worth running the chunk again for. A fenced chunk is never retried: it is left to the partition's owner. */
  retriable: (error: unknown) => boolean
}

/** What a stage (vote, aggregate) gives the member: its own work, nothing of the group's. */
export interface MemberWork {
  /** Before the member joins (connect a producer, publish…); a failure stops the member with that error. */
  start?: () => Promise<void>
  /** Once the member is stopping, before it leaves the group: work it started in the background finishes (commits need the consumer). */
  drain?: () => Promise<void>
  /** After the member has left the group, whatever happened. */
  stop?: () => Promise<void>
  /**
   * The most records the next chunk of a batch may hold, given the records of the chunks in
   * flight (all partitions); 0 or less stops the member ('max'). The whole batch when omitted.
   */
  chunkSize?: (inFlight: number) => number
  /** Retries of a whole chunk (which must then be idempotent); none when omitted. */
  retry?: ChunkRetry
  /**
   * One chunk: the stage's work. It resolves (and commits) the offsets it is done with.
   * `next` is the chunk that will follow it in this batch (same partition), when the stage's
   * size at this moment says so: a stage may start work on it early (vote stores it in Postgres
   * while this chunk's Kafka transaction runs). It is a hint: the chunk that really comes next
   * may differ (a retry, a stop, another size), and the stage must check.
   */
  process: (chunk: KafkaMessage[], payload: EachBatchPayload, next?: KafkaMessage[]) => Promise<void>
}

/**
 * A pipeline group member (vote, aggregate): the consumer and its lifecycle (lifecycle.ts:
 * healing rejoins, idle, clean stops), the batch loop cut into chunks, pause on stop, heartbeat
 * after every chunk, the chunk retries, and the fencing rule of fencing.ts (a fenced chunk is
 * abandoned and the group speaks first). The stage brings only its own work (MemberWork).
 */
export class GroupMember {
  readonly consumer: Consumer
  readonly lifecycle: MemberLifecycle
  private inFlight = 0

  constructor(
    kafka: Kafka,
    private readonly config: MemberConfig,
  ) {
    this.consumer = memberConsumer(kafka, config.groupId, config.sessionTimeoutMs, config.tuning)
    this.lifecycle = new MemberLifecycle(this.consumer, config.idleMs, config.stopSignal, config.upstreamActive)
    config.metrics.observe(this.consumer)
  }

  /** Aborted when the member stops, for whatever reason: retries and waits end early. */
  get signal(): AbortSignal {
    return this.lifecycle.abort.signal
  }

  /** Runs until stopped; `lifecycle.error` then holds the error that stopped it, if any. */
  async run(work: MemberWork): Promise<void> {
    const {lifecycle, config} = this
    let timer: NodeJS.Timeout | undefined
    try {
      await work.start?.().catch((error: unknown) => lifecycle.fail(error))
      if (config.durationMs) timer = setTimeout(() => lifecycle.stop('duration'), config.durationMs)
      if (!lifecycle.error)
        await runMember(
          this.consumer,
          lifecycle,
          config.topic,
          {
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
            eachBatch: (payload) => this.eachBatch(payload, work),
          },
          work.drain,
        )
    } finally {
      clearTimeout(timer)
      await work.stop?.()
    }
  }

  /** One fetched batch, chunk by chunk: kafkajs' eachBatch of this member (unit tests call it with a batch of their own). */
  async eachBatch(payload: EachBatchPayload, work: MemberWork): Promise<void> {
    const {lifecycle} = this
    lifecycle.recordsArrived()
    await lifecycle.track(async () => {
      const messages = payload.batch.messages
      for (let i = 0; i < messages.length;) {
        // Stopping: pause rather than return unresolved, or kafkajs fetches the same batch again and again.
        if (this.signal.aborted) {
          payload.pause()
          return
        }
        if (!payload.isRunning() || payload.isStale()) return
        const size = Math.min(messages.length - i, work.chunkSize?.(this.inFlight) ?? Infinity)
        if (size <= 0) return lifecycle.stop('max')
        const chunk = messages.slice(i, i + size)
        this.inFlight += chunk.length
        try {
          const nextSize = Math.min(messages.length - i - size, work.chunkSize?.(this.inFlight) ?? Infinity)
          const next = nextSize > 0 ? messages.slice(i + size, i + size + nextSize) : undefined
          if (!(await this.attempt(chunk, payload, work, next))) {
            // Unresolved, the rest of the batch is fetched again; a heartbeat (a rebalance
            // error, or a confirmation of this generation) lets the group speak first.
            await new Promise((resolve) => setTimeout(resolve, 250))
            await payload.heartbeat()
            return
          }
        } finally {
          this.inFlight -= chunk.length
        }
        i += chunk.length
        await payload.heartbeat()
        if ((work.chunkSize?.(this.inFlight) ?? 1) <= 0) return lifecycle.stop('max')
      }
    })
  }

  /** One chunk under the retry policy (retry.ts); false when it was abandoned because this member was fenced. */
  private async attempt(chunk: KafkaMessage[], payload: EachBatchPayload, work: MemberWork, next?: KafkaMessage[]): Promise<boolean> {
    // Fenced: this member may no longer own the partition; the chunk is left to whoever does.
    const fenced = (error: unknown) => error instanceof FencedError || isFencingError(error)
    // kafkajs heartbeats only between batches: a chunk that retries through an outage longer than
    // the session timeout would otherwise be dropped from the group and cost a rebalance. Heartbeats
    // are best effort; a rebalance they reveal is the fetch loop's to handle once the chunk ends.
    const heartbeats = setInterval(() => void payload.heartbeat().catch(() => {}), heartbeatIntervalFor(this.config.sessionTimeoutMs))
    try {
      await retry(() => work.process(chunk, payload, next), {
        attempts: work.retry?.attempts ?? 1,
        retriable: (error) => !fenced(error) && (work.retry?.retriable(error) ?? false),
        signal: this.signal,
        gone: () => !payload.isRunning() || payload.isStale(),
        onRetry: (error, attempt) => {
          this.config.metrics.retried(error)
          if (attempt === 1 || attempt % 5 === 0) this.config.logger.warn(`retrying a chunk after: ${describeCause(error)}`)
        },
      })
      return true
    } catch (error) {
      if (work.retry && fenced(error)) return false
      throw error
    } finally {
      clearInterval(heartbeats)
    }
  }
}
