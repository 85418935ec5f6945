import type {Consumer} from 'kafkajs'
import {Counter, Gauge, Histogram, Registry} from 'prom-client'

import {failureKind, sqlState} from '../db/failures.js'
import {DEAD_LETTER_CATEGORIES, type Rejected} from '../kafka/messages.js'

/** What a retried failure came from: Postgres, Kafka, or neither (a chunk retried for another error). */
const RETRIED_SYSTEMS = ['postgres', 'kafka', 'other'] as const
type RetriedSystem = (typeof RETRIED_SYSTEMS)[number]

export function retriedSystem(error: unknown): RetriedSystem {
  if (error instanceof Error && error.name.startsWith('KafkaJS')) return 'kafka'
  return sqlState(error) !== undefined || failureKind(error) === 'outage' ? 'postgres' : 'other'
}

/**
 * What every group member (vote, aggregate) reports: dead letters, retries, group joins and
 * consumer lag. Each process has its own registry; nothing is registered globally, so two
 * members in one process (tests) never share or clash.
 */
export class MemberMetrics {
  private readonly deadLetters: Counter<'reason'>
  private readonly retries: Counter<'system'>
  private readonly groupJoins: Counter
  private readonly consumerCrashes: Counter
  private readonly lag: Gauge<'topic' | 'partition'>
  /** Partitions with a lag series, so that those another member took over can be dropped. */
  private readonly lagSeries = new Map<string, {topic: string; partition: string}>()

  /** A counter in this process's registry (every metric of a member is declared this way). */
  protected counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({name, help, labelNames, registers: [this.registry]})
  }

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry]
    this.deadLetters = this.counter('election_dead_letters_total', 'Records sent to the dead-letter topic, by reason category.', ['reason'])
    this.retries = this.counter(
      'election_retries_total',
      'Retries after a failure: a Postgres statement or a whole chunk (the one retry policy, src/lib/retry.ts).',
      ['system'],
    )
    this.groupJoins = this.counter('election_consumer_group_joins_total', 'Consumer group joins: the first one, then one per rebalance.')
    this.consumerCrashes = this.counter(
      'election_consumer_crashes_total',
      'Consumer crashes (the member rejoins unless the error is fatal).',
    )
    this.lag = new Gauge({
      name: 'election_consumer_lag',
      help: "Records behind the partition's high watermark after the last batch fetched.",
      labelNames: ['topic', 'partition'],
      registers,
    })
    // Every series exists from the start at 0, so rate() and alerts see the first increase.
    for (const reason of DEAD_LETTER_CATEGORIES) this.deadLetters.inc({reason}, 0)
    for (const system of RETRIED_SYSTEMS) this.retries.inc({system}, 0)
  }

  deadLettered(rejected: readonly Rejected[]): void {
    for (const r of rejected) this.deadLetters.inc({reason: r.category})
  }

  /** Fits retry's `onRetry` (retry.ts). */
  readonly retried = (error: unknown): void => {
    this.retries.inc({system: retriedSystem(error)})
  }

  /** Counts joins and crashes and keeps the lag of the partitions this member owns, from kafkajs' own events. */
  observe(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({payload}) => {
      this.groupJoins.inc()
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)),
      )
      for (const [key, labels] of this.lagSeries) {
        if (owned.has(key)) continue
        this.lag.remove(labels)
        this.lagSeries.delete(key)
      }
    })
    consumer.on(consumer.events.CRASH, () => this.consumerCrashes.inc())
    // Emitted for every fetched batch, including those of transaction markers only that never
    // reach eachBatch: so a drained partition of votes_topic reads 0, not 1.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({payload}) => {
      const labels = {topic: payload.topic, partition: String(payload.partition)}
      this.lagSeries.set(`${labels.topic}/${labels.partition}`, labels)
      this.lag.set(labels, Number(payload.offsetLag))
    })
  }
}

export class VoteMetrics extends MemberMetrics {
  readonly votesCast: Counter
  readonly votesNew: Counter
  private readonly transactions: Counter<'outcome'>

  constructor(registry?: Registry) {
    super(registry)
    this.votesCast = this.counter(
      'election_votes_cast_total',
      'Votes published to votes_topic (a stored vote republished after a crash counts again).',
    )
    this.votesNew = this.counter('election_votes_new_total', 'Votes stored in Postgres for the first time.')
    this.transactions = this.counter(
      'election_kafka_transactions_total',
      'Kafka transactions of vote chunks, by outcome (aborted: the chunk is done again).',
      ['outcome'],
    )
    for (const outcome of ['committed', 'aborted']) this.transactions.inc({outcome}, 0)
  }

  transaction(outcome: 'committed' | 'aborted'): void {
    this.transactions.inc({outcome})
  }
}

/** Upper bounds in seconds: tens of milliseconds when keeping up, up to minutes while a backlog drains. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export class AggregateMetrics extends MemberMetrics {
  readonly consumed: Counter
  readonly counted: Counter
  readonly duplicates: Counter
  readonly published: Counter
  private readonly latency: Histogram

  constructor(registry?: Registry) {
    super(registry)
    const registers = [this.registry]
    this.consumed = this.counter('election_votes_consumed_total', 'Records read from votes_topic.')
    this.counted = this.counter('election_votes_counted_total', 'Votes counted into the totals (each vote once).')
    this.duplicates = this.counter('election_votes_duplicate_total', 'Votes seen again and not counted (already counted).')
    this.published = this.counter('election_totals_published_total', 'Absolute totals published to the aggregate topics.')
    this.latency = new Histogram({
      name: 'election_vote_latency_seconds',
      help: "From a vote's voting_time to the acknowledged publication of its totals.",
      buckets: LATENCY_BUCKETS,
      registers,
    })
  }

  latencyMs(ms: number): void {
    this.latency.observe(ms / 1000)
  }
}
