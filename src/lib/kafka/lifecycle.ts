import type {Consumer, ConsumerConfig, ConsumerRunConfig, Kafka} from 'kafkajs'

/**
 * Whether the stage that writes this member's input is still at work (for `aggregate`: a `vote`
 * process in the voting group); checked at most once a second while the member looks idle.
 */
export type UpstreamCheck = () => Promise<boolean>

const UPSTREAM_CHECK_EVERY_MS = 1000

/**
 * Tracks a group member's life for `--exit-when-idle` and clean stops. Idle means:
 * this member holds an assignment (waiting for one after a restart does not count:
 * a killed member keeps its partitions until its session times out) and its fetches
 * kept succeeding, empty, for `idleMs` since the assignment or the last record. A
 * broker outage is therefore never idle: no fetch succeeds during it.
 *
 * With an upstream check, idle also needs the upstream gone, and `idleMs` of empty fetches
 * counted again from when it was first seen gone: its last records may still be on their way.
 * So an aggregator does not end while a `vote` restarts after a crash or has yet to cast.
 */
export class MemberLifecycle {
  private assignedAt: number | null = null
  private lastRecordAt = 0
  private lastFetchAt = 0
  private busy = 0
  private confirmationCount = 0
  readonly abort = new AbortController()
  private idleTimer?: NodeJS.Timeout
  stopReason: 'idle' | 'signal' | 'max' | 'duration' | 'error' | null = null
  /** Set when the consumer crashed for good; the runner rethrows it. */
  error?: Error

  /** `stopSignal`: aborted on SIGINT/SIGTERM by the command, possibly before this member even exists. */
  private upstreamGoneAt: number | null = null
  private lastUpstreamCheck = 0
  private checkingUpstream = false

  constructor(
    consumer: Consumer,
    private readonly idleMs: number | undefined,
    stopSignal?: AbortSignal,
    private readonly upstreamActive?: UpstreamCheck,
  ) {
    if (stopSignal?.aborted) this.stop('signal')
    stopSignal?.addEventListener('abort', () => this.stop('signal'), {once: true})
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.assignedAt = Date.now()
      this.confirmationCount++
    })
    consumer.on(consumer.events.HEARTBEAT, () => {
      this.confirmationCount++
    })
    consumer.on(consumer.events.FETCH, () => {
      this.lastFetchAt = Date.now()
    })
    consumer.on(consumer.events.REBALANCING, () => {
      this.assignedAt = null
    })
  }

  /**
   * Moves on every group join and every successful heartbeat: each is the coordinator
   * confirming that this member holds its assignment in the current generation.
   */
  get confirmations(): number {
    return this.confirmationCount
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
    try {
      await this.busyWith(work)
    } catch (error) {
      if (error instanceof Error && error.name.startsWith('KafkaJS')) throw error
      this.fail(error)
    }
  }

  /** Runs work the member is busy with: an idle stop waits for it. Its errors pass through. */
  async busyWith<T>(work: () => Promise<T>): Promise<T> {
    this.busy++
    try {
      return await work()
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

  private checkIdle(): void {
    if (this.assignedAt === null || this.busy > 0) return
    const quietSince = Math.max(this.assignedAt, this.lastRecordAt)
    if (this.lastFetchAt - quietSince < this.idleMs!) return
    if (!this.upstreamActive) return this.stop('idle')
    if (this.upstreamGoneAt !== null && this.lastFetchAt - Math.max(quietSince, this.upstreamGoneAt) >= this.idleMs!)
      return this.stop('idle')
    if (this.checkingUpstream || Date.now() - this.lastUpstreamCheck < UPSTREAM_CHECK_EVERY_MS) return
    this.checkingUpstream = true
    this.lastUpstreamCheck = Date.now()
    this.upstreamActive()
      .then((active) => {
        if (active) this.upstreamGoneAt = null
        else this.upstreamGoneAt ??= Date.now()
      })
      // Not knowing (the broker is away) is not idle; the next check asks again.
      .catch(() => {})
      .finally(() => {
        this.checkingUpstream = false
      })
  }

  /** Resolves when the member should stop: signal, idle, or an explicit stop(). */
  untilStopped(): Promise<void> {
    if (this.idleMs) {
      this.idleTimer = setInterval(() => this.checkIdle(), Math.min(250, this.idleMs))
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

/** Errors no rejoin can mend: wrong credentials or permissions, a broker too old. */
const FATAL_KAFKA = /AUTHORIZATION_FAILED|SASL|UNSUPPORTED|NotImplemented|INVALID_CONFIG/

/** Whether a Kafka error is one no retry or rejoin can mend (credentials, permissions, an unsupported broker). */
export function isUnmendable(error: Error): boolean {
  const cause = rootCause(error)
  return FATAL_KAFKA.test(`${error.name} ${cause.name} ${cause.type ?? ''}`)
}

function rootCause(error: Error): Error & {retriable?: boolean; type?: string} {
  const cause = (error as {cause?: unknown}).cause
  return cause instanceof Error ? rootCause(cause) : error
}

/** How many non-retriable crashes in a row (no successful join between them) a member rejoins after. */
const MAX_HEALS = 20

/**
 * Runs a group member until it is asked to stop, and is the only one that (re)starts it:
 * kafkajs' own restart after a crash is switched off (see memberConsumer), because a restart
 * still joining when the consumer is disconnected survives the disconnect and keeps the
 * process alive, fetching, after SIGTERM. Here every start is awaited before disconnecting.
 * A member that crashed (a broker outage, or paused past its session so the coordinator no
 * longer knows it) rejoins with backoff, so a long-lived member heals itself; only errors
 * no rejoin can mend (credentials, permissions), a crash that is not Kafka's, or one
 * non-retriable crash after another stop it.
 */
export async function runMember(
  consumer: Consumer,
  lifecycle: MemberLifecycle,
  topic: string,
  config: ConsumerRunConfig,
  /** Before the consumer disconnects: the member's work in the background finishes. */
  drain?: () => Promise<void>,
): Promise<void> {
  let heals = 0
  let crashes = 0
  consumer.on(consumer.events.GROUP_JOIN, () => {
    heals = 0
    crashes = 0
  })
  let starting: Promise<void> = Promise.resolve()
  const start = () => {
    starting = starting
      .then(async () => {
        if (lifecycle.abort.signal.aborted) return
        await consumer.connect()
        // Resolves once this start joined the group or crashed (the crash comes as an event).
        await consumer.run(config)
      })
      // A start that cannot even connect (the broker still down) is a crash like any other.
      .catch(crashed)
  }
  function crashed(error: Error) {
    if (lifecycle.abort.signal.aborted) return
    const cause = rootCause(error)
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || cause.retriable === true
    if (!error.name.startsWith('KafkaJS') || isUnmendable(error) || (!retriable && ++heals > MAX_HEALS)) {
      lifecycle.fail(error)
      return
    }
    const backoff = Math.min(200 * 2 ** Math.min(crashes++, 5), 5000)
    setTimeout(start, backoff).unref()
  }
  consumer.on(consumer.events.CRASH, ({payload: {error}}) => crashed(error))
  try {
    try {
      await consumer.connect()
      await consumer.subscribe({topic, fromBeginning: true})
    } catch (error) {
      return lifecycle.fail(error)
    }
    // Not awaited: a signal must be able to stop us while the group join is still going on.
    start()
    await lifecycle.untilStopped()
  } finally {
    // Disconnecting while a start is still joining leaves kafkajs fetching forever; let it finish first.
    await starting.catch(() => {})
    await drain?.().catch(() => {})
    await consumer.disconnect().catch(() => {})
  }
}

/** A member's heartbeat interval: five heartbeats per session timeout. */
export const heartbeatIntervalFor = (sessionTimeoutMs: number) => Math.max(500, Math.floor(sessionTimeoutMs / 5))

/**
 * A pipeline group member (vote, aggregate): read_committed, and a session timeout that
 * bounds how long a killed member keeps its partitions; heartbeats five times per timeout.
 */
export function memberConsumer(kafka: Kafka, groupId: string, sessionTimeoutMs: number, tuning: Partial<ConsumerConfig> = {}): Consumer {
  return kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalFor(sessionTimeoutMs),
    rebalanceTimeout: 30_000,
    // runMember restarts crashed members itself, so that no restart outlives a disconnect.
    retry: {retries: 5, restartOnFailure: async () => false},
    ...tuning,
  })
}
