import type {Admin, Consumer, Kafka} from 'kafkajs'
import type pg from 'pg'

import {describeCause} from '../errors.js'
import type {TopicNames} from '../kafka/topics.js'
import {aggregateKinds, existingAggregateTopics, fetchLag, queryCounts, queryRegistered, runViewer, viewerConsumer} from './sources.js'
import {DEMO_EVENTS_ENV, readEvents} from '../demo/events.js'
import {DashboardState} from './state.js'
import type {Snapshot} from './types.js'

export interface FeedOptions {
  kafka: Kafka
  /** A lazily connecting pool (createPool): Postgres may come up after the dashboard. */
  pool: pg.Pool
  topics: TopicNames
  namespace: string
  /** How often Postgres counts and the aggregator's lag are polled. */
  pollMs: number
}

/** How long to wait before reconnecting a consumer that failed or found no topics. */
const RETRY_MS = 2000

/**
 * The live side of the dashboard: tails the aggregate topics, polls counts and lag,
 * and tells subscribers that something changed. Never throws: failures become the
 * connection state shown in the header, and both loops keep retrying until stop().
 */
export class DashboardFeed {
  readonly state = new DashboardState()
  private readonly listeners = new Set<() => void>()
  private readonly abort = new AbortController()
  private admin?: Promise<Admin>
  private subscribed = new Set<string>()
  private wakePoll?: () => void
  private stopConsumer?: () => void
  private loops: Array<Promise<void>> = []
  private pollWaiters: Array<() => void> = []

  constructor(private readonly options: FeedOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  snapshot(): Snapshot {
    return this.state.snapshot()
  }

  start(): void {
    this.loops = [this.consumeLoop(), this.pollLoop()]
  }

  setPollMs(ms: number): void {
    this.options.pollMs = ms
    this.wakePoll?.()
  }

  /** Poll counts and lag now (the `r` key); resolves once that poll is in the state. */
  refresh(): Promise<void> {
    const polled = new Promise<void>((resolve) => this.pollWaiters.push(resolve))
    this.wakePoll?.()
    return polled
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.wakePoll?.()
    this.stopConsumer?.()
    await Promise.all(this.loops)
    for (const resolve of this.pollWaiters.splice(0)) resolve()
    await this.dropAdmin()
  }

  private emit(): void {
    for (const listener of this.listeners) listener()
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted
  }

  private sleep(ms: number, wake?: (fn: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.abort.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.abort.signal.addEventListener('abort', done, {once: true})
      wake?.(done)
    })
  }

  /** One admin shared by both loops; dropped after a failure so the next call reconnects. */
  private connectedAdmin(): Promise<Admin> {
    this.admin ??= this.connectAdmin()
    return this.admin
  }

  private async connectAdmin(): Promise<Admin> {
    const admin = this.options.kafka.admin()
    try {
      await admin.connect()
      return admin
    } catch (error) {
      await admin.disconnect().catch(() => {})
      throw error
    }
  }

  private async dropAdmin(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    await admin?.then((a) => a.disconnect()).catch(() => {})
  }

  private kafkaDown(error: unknown): void {
    this.state.kafka = {status: 'unreachable', detail: describeCause(error)}
    this.emit()
  }

  private async consumeLoop(): Promise<void> {
    const kinds = aggregateKinds(this.options.topics)
    while (!this.stopped) {
      let consumer: Consumer | undefined
      try {
        const present = await existingAggregateTopics(await this.connectedAdmin(), this.options.topics)
        this.subscribed = new Set(present)
        if (present.length > 0) {
          consumer = viewerConsumer(this.options.kafka, this.options.namespace)
          const active = consumer
          const ended = new Promise<void>((resolve) => {
            this.stopConsumer = resolve
            active.on(active.events.CRASH, ({payload}) => {
              this.kafkaDown(payload.error)
              if (!payload.restart) resolve()
            })
          })
          consumer.on(consumer.events.GROUP_JOIN, () => {
            this.state.kafka = {status: 'connected'}
            this.emit()
          })
          await consumer.connect()
          await runViewer(consumer, present, kinds, this.state, () => this.emit())
          if (!this.stopped) await ended
        }
      } catch (error) {
        this.kafkaDown(error)
        await this.dropAdmin()
      } finally {
        this.stopConsumer = undefined
        await consumer?.disconnect().catch(() => {})
      }
      if (!this.stopped) await this.sleep(RETRY_MS)
    }
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      const waiters = this.pollWaiters.splice(0)
      await Promise.all([this.pollPostgres(), this.pollKafka()])
      this.pollChaos()
      this.emit()
      for (const resolve of waiters) resolve()
      await this.sleep(this.options.pollMs, (wake) => (this.wakePoll = wake))
    }
  }

  /** Under `demo --chaos`: its kills and checks, from the events file it names (demo/events.ts). */
  private pollChaos(): void {
    const file = process.env[DEMO_EVENTS_ENV]
    if (!file) return
    const events = readEvents(file)
    const checks = events.flatMap((e) => (e.type === 'check' ? [e] : []))
    this.state.chaos = {kills: events.flatMap((e) => (e.type === 'kill' ? [e] : [])), lastCheck: checks.at(-1) ?? null}
  }

  private async pollPostgres(): Promise<void> {
    try {
      const counts = await queryCounts(this.options.pool)
      // Registrations per region change only with the voter count: scanned again only then.
      if (this.state.registered === null || counts.voters !== this.state.counts.voters)
        this.state.registered = await queryRegistered(this.options.pool)
      this.state.counts = counts
      this.state.postgres = {status: 'connected'}
    } catch (error) {
      const missing = (error as {code?: string}).code === '42P01'
      this.state.postgres = missing
        ? {status: 'error', detail: 'tables missing: run `election init-db`'}
        : {status: 'unreachable', detail: describeCause(error)}
    }
  }

  private async pollKafka(): Promise<void> {
    try {
      const admin = await this.connectedAdmin()
      this.state.lag = await fetchLag(admin, this.options.topics)
      const present = await existingAggregateTopics(admin, this.options.topics)
      // A topic the aggregator created after we subscribed: resubscribe (a regex would not see it either).
      if (present.some((t) => !this.subscribed.has(t))) this.stopConsumer?.()
      this.state.kafka = present.length > 0 ? {status: 'connected'} : {status: 'connected', detail: 'no aggregate topics yet'}
    } catch (error) {
      this.state.kafka = {status: 'unreachable', detail: describeCause(error)}
      await this.dropAdmin()
    }
  }
}
