import type {Consumer, ConsumerConfig, Kafka} from 'kafkajs'

/**
 * Tracks a group member's life for `--exit-when-idle` and clean stops. Idle means:
 * this member holds an assignment (waiting for one after a restart does not count:
 * a killed member keeps its partitions until its session times out) and no record
 * has arrived for `idleMs` since the assignment or the last record.
 */
export class MemberLifecycle {
  private assignedAt: number | null = null
  private lastRecordAt = 0
  private busy = 0
  readonly abort = new AbortController()
  private idleTimer?: NodeJS.Timeout
  stopReason: 'idle' | 'signal' | 'max' | 'duration' | 'error' | null = null
  /** Set when the consumer crashed for good; the runner rethrows it. */
  error?: Error

  /** `stopSignal`: aborted on SIGINT/SIGTERM by the command, possibly before this member even exists. */
  constructor(consumer: Consumer, private readonly idleMs: number | undefined, stopSignal?: AbortSignal) {
    if (stopSignal?.aborted) this.stop('signal')
    stopSignal?.addEventListener('abort', () => this.stop('signal'), {once: true})
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.assignedAt = Date.now()
    })
    consumer.on(consumer.events.REBALANCING, () => {
      this.assignedAt = null
    })
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.fail(event.payload.error)
    })
  }

  get assigned(): boolean {
    return this.assignedAt !== null
  }

  recordsArrived(): void {
    this.lastRecordAt = Date.now()
  }

  /**
   * Runs one batch's work. Kafka's own errors (a rebalance seen by heartbeat, a lost
   * coordinator) go back to kafkajs, which rejoins and redelivers; anything else has
   * already been retried by the work itself, so it stops this member with that error
   * instead of letting kafkajs redeliver the same batch forever.
   */
  async track(work: () => Promise<void>): Promise<void> {
    this.busy++
    try {
      await work()
    } catch (error) {
      if (error instanceof Error && error.name.startsWith('KafkaJS')) throw error
      this.fail(error)
    } finally {
      this.busy--
      this.lastRecordAt = Date.now()
    }
  }

  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error))
    this.stop('error')
  }

  stop(reason: NonNullable<MemberLifecycle['stopReason']>): void {
    if (!this.stopReason) this.stopReason = reason
    this.abort.abort()
  }

  /** Resolves when the member should stop: signal, idle, or an explicit stop(). */
  untilStopped(): Promise<void> {
    if (this.idleMs) {
      this.idleTimer = setInterval(() => {
        if (this.assignedAt === null || this.busy > 0) return
        if (Date.now() - Math.max(this.assignedAt, this.lastRecordAt) >= this.idleMs!) this.stop('idle')
      }, Math.min(250, this.idleMs))
    }
    return new Promise((resolve) => {
      const done = () => {
        clearInterval(this.idleTimer)
        resolve()
      }
      if (this.abort.signal.aborted) done()
      else this.abort.signal.addEventListener('abort', done, {once: true})
    })
  }
}

/**
 * A pipeline group member (vote, aggregate): read_committed, and a session timeout that
 * bounds how long a killed member keeps its partitions; heartbeats five times per timeout.
 */
export function memberConsumer(kafka: Kafka, groupId: string, sessionTimeoutMs: number, tuning: Partial<ConsumerConfig> = {}): Consumer {
  return kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 5)),
    rebalanceTimeout: 30_000,
    ...tuning,
  })
}
