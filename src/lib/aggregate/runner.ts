import * as hdr from 'hdr-histogram-js'
import type {EachBatchPayload, Kafka, KafkaMessage, Producer} from 'kafkajs'
import type pg from 'pg'

import {isolateDataErrors} from '../db/isolate.js'
import {describeCause, unavailableError} from '../errors.js'
import {isKafkaJsError} from '../kafka/causes.js'
import {groupWatcher} from '../kafka/groups.js'
import {isUnmendable} from '../kafka/lifecycle.js'
import {GroupMember} from '../kafka/member.js'
import {deadLetter, rejectedRecord} from '../kafka/messages.js'
import type {TopicNames} from '../kafka/topics.js'
import {renewingProducer} from '../kafka/renewing-producer.js'
import {silentLogger, type Logger} from '../logger.js'
import {AggregateMetrics} from '../metrics/pipeline.js'
import {retry} from '../retry.js'
import {claimsOf, sortOutcomes} from './batch.js'
import {publishTotals} from './publish.js'
import {PublicationSchedule} from './schedule.js'
import {BatchPipeline} from './pipeline.js'
import {countVotes} from './store.js'

/** A batch as fetched: its records, and the offset its commit moves past. */
interface FetchedBatch {
  messages: KafkaMessage[]
  topic: string
  lastOffset: string
}

/** Records in one fetched batch from which the aggregator is behind: their count goes on beside the next fetch. */
const BACKLOG_BATCH = 1000

/** Records queued or being counted at most (about two fetches' worth): beyond it, the next fetch waits. */
const MAX_RECORDS_IN_FLIGHT = 40_000

export interface AggregateOptions {
  /** Aborted on SIGINT/SIGTERM: finish or abandon the batch in flight, then stop. */
  stopSignal?: AbortSignal
  idleMs?: number
  sessionTimeoutMs: number
  /** Longest wait before changed per-candidate totals are published. */
  publishIntervalMs?: number
  /** Longest wait before the other changed totals (region, gender, age band, party, region and candidate) are. */
  breakdownIntervalMs?: number
  onProgress?: (stats: AggregateStats) => void
  /** Where the run is counted for Prometheus; a private, unserved set when omitted. */
  metrics?: AggregateMetrics
  /** Notices of failed publications; none when omitted. */
  logger?: Logger
  /** Records in a fetched batch from which its count goes on beside the next fetch (BACKLOG_BATCH when omitted). */
  backlogBatch?: number
}

export interface LatencySummary {
  count: number
  p50: number
  p99: number
  max: number
}

export interface AggregateStats {
  consumed: number
  counted: number
  duplicates: number
  deadLettered: number
  published: number
  seconds: number
  votesPerSecond: number
  /** Milliseconds from a vote's voting_time to the acknowledged publication of its candidate's total. */
  latencyMs: LatencySummary
  stopReason: string | null
}

/**
 * Consume votes, count each once, publish absolute totals. Per batch, one Postgres
 * statement records the batch's voter ids and adds the new votes to the totals
 * (see countVotes); Kafka offsets are committed only after it. Reprocessing after a
 * crash or rebalance is therefore harmless, and the aggregate topics carry absolute
 * totals, so republishing them is harmless too. See docs/architecture.md.
 */
export async function runAggregator(pool: pg.Pool, kafka: Kafka, names: TopicNames, options: AggregateOptions): Promise<AggregateStats> {
  const publishEvery = options.publishIntervalMs ?? 25
  const backlogBatch = options.backlogBatch ?? BACKLOG_BATCH
  const metrics = options.metrics ?? new AggregateMetrics()
  const logger = options.logger ?? silentLogger
  // While a `vote` process is in the voting group, more votes are due: not idle (restarting after a crash, or still starting).
  const voting = groupWatcher(kafka, names.groups.vote)
  const member = new GroupMember(kafka, {
    groupId: names.groups.aggregate,
    topic: names.votes,
    sessionTimeoutMs: options.sessionTimeoutMs,
    idleMs: options.idleMs,
    upstreamActive: voting.active,
    stopSignal: options.stopSignal,
    // The fetch wait only matters when nothing is there; it is part of the latency budget when votes trickle in.
    tuning: {maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024, maxWaitTimeInMs: 50},
    // Every partition's batch in its own Postgres transaction at once: the database work overlaps.
    partitionsConsumedConcurrently: 6,
    logger,
    metrics,
  })
  // Renewed when a moved partition leader rejects its sequence numbers (a broker of a replicated cluster died).
  const producer: Producer = renewingProducer(kafka, {idempotent: true, maxInFlightRequests: 1})
  const histogram = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3})
  const started = Date.now()
  const stats = {consumed: 0, counted: 0, duplicates: 0, deadLettered: 0, published: 0}

  // The totals that changed since they were last published, and the voting times waiting on the headline.
  const schedule = new PublicationSchedule({headlineMs: publishEvery, breakdownMs: options.breakdownIntervalMs ?? 250})
  let waiting: number[] = []
  let publishing: Promise<void> = Promise.resolve()
  // One round queued at most: a slow publication is not followed by a round per tick.
  let queued = false
  /** `due`: the keys whose interval is up; `pending`: every changed key (a stop); `everything`: every key Postgres holds. */
  const publish = (mode: 'due' | 'pending' | 'everything' = 'due') => {
    if (queued && mode === 'due') return publishing
    queued = true
    publishing = publishing.then(async () => {
      queued = false
      const {keys, headline} = schedule.take(mode !== 'due')
      if (keys.length === 0 && mode !== 'everything') return
      const times = headline || mode === 'everything' ? waiting : []
      if (times === waiting) waiting = []
      try {
        const published = await retry(() => publishTotals(pool, producer, names, mode === 'everything' ? undefined : keys), {
          signal: member.signal,
          onRetry: metrics.retried,
        })
        stats.published += published
        metrics.published.inc(published)
        const publishedAt = Date.now()
        for (const t of times) {
          const latency = Math.max(1, publishedAt - t)
          histogram.recordValue(latency)
          metrics.latencyMs(latency)
        }
      } catch (error) {
        // Keep them for the next round; totals are absolute so a late publication is still right.
        schedule.restore(keys)
        waiting.push(...times)
        if (!member.signal.aborted) logger.warn(`publishing totals failed, will retry: ${describeCause(error)}`)
      }
    })
    return publishing
  }
  const ticker = setInterval(
    () => {
      if (schedule.isDue()) void publish()
    },
    Math.max(10, Math.floor(publishEvery / 2)),
  )

  /** One batch: count each vote once (Postgres), dead-letter the rest, then commit the offsets. Runs in the pipeline. */
  const countBatch = async (messages: KafkaMessage[], topic: string, partition: number, lastOffset: string) => {
    const {claims, rejected} = claimsOf(messages)
    const {results, refused} = await isolateDataErrors(claims, async (part) => {
      // One statement, atomic on its own (see countVotes); retried whole through outages.
      const {outcomes, changed} = await retry(
        () =>
          countVotes(
            pool,
            part.map((p) => p.claim),
          ),
        {signal: member.signal, onRetry: metrics.retried},
      )
      return {changed, outcomes: outcomes.map((outcome, i) => ({outcome, ...part[i]!}))}
    })
    for (const {item, reason} of refused) rejected.push(rejectedRecord(item.message, {reason, category: 'postgres_rejected'}))
    const {counted, duplicates} = sortOutcomes(
      results.flatMap((r) => r.outcomes),
      rejected,
    )
    if (rejected.length) {
      const letters = rejected.map((r) => deadLetter(topic, partition, r))
      await retry(() => producer.send({topic: names.deadLetter, acks: -1, messages: letters}), {
        signal: member.signal,
        onRetry: metrics.retried,
      })
    }
    for (const {changed} of results) for (const [dimension, key] of changed) schedule.mark(dimension, key)
    for (const {voting_time} of counted) waiting.push(Date.parse(voting_time))
    // The counts are committed in Postgres: their publication need not wait for the offsets' commit.
    if (schedule.isDue()) void publish()
    // Only after the counts are committed: a crash before this line re-reads the batch, which counts
    // nothing twice. A commit that fails (the broker away past kafkajs' retries, the group
    // rebalancing) is left to the next batch's, or to the partition's next owner, who reads the batch
    // again and finds it counted; only an error nothing mends (permissions) stops the aggregator.
    await member.consumer.commitOffsets([{topic, partition, offset: String(Number(lastOffset) + 1)}]).catch((error: unknown) => {
      if (!isKafkaJsError(error) || isUnmendable(error)) throw error
    })
    stats.consumed += messages.length
    stats.counted += counted.length
    stats.duplicates += duplicates
    stats.deadLettered += rejected.length
    metrics.consumed.inc(messages.length)
    metrics.counted.inc(counted.length)
    metrics.duplicates.inc(duplicates)
    metrics.deadLettered(rejected)
    options.onProgress?.(snapshot())
  }

  // The member stops on a batch that failed for good (Postgres or Kafka away past the retries);
  // the batches queued behind it in its partition are neither counted nor committed.
  const pipeline = new BatchPipeline<FetchedBatch>({
    // Busy while it counts: an idle stop waits for it. Batches that queued up meanwhile are counted together.
    work: (partition, batches) =>
      member.lifecycle.busyWith(() =>
        countBatch(
          batches.flatMap((b) => b.messages),
          batches[0]!.topic,
          partition,
          batches.at(-1)!.lastOffset,
        ),
      ),
    size: (batch) => batch.messages.length,
    maxRecords: MAX_RECORDS_IN_FLIGHT,
    onError: (error) => member.lifecycle.fail(error),
  })

  /** A fetched batch: queued for counting, and its offset resolved at once, so that kafkajs fetches the next. */
  const processBatch = async (messages: KafkaMessage[], {batch, resolveOffset}: EachBatchPayload) => {
    const lastOffset = batch.lastOffset()
    // A small batch means the aggregator keeps up: its count is awaited, as kafkajs would, for the
    // latency (fetching on meanwhile made more, smaller fetches and statements, and at 5,000 votes/s
    // a p99 three times as long). A large one means a backlog: then the next fetch goes on beside it.
    await pipeline.add(batch.partition, {messages, topic: batch.topic, lastOffset}, messages.length < backlogBatch)
    // In fetch order (eachBatch calls for one partition come one after another): kafkajs' fetch
    // position follows the last offset resolved, and an older batch resolved after a newer one
    // would move it back.
    resolveOffset(lastOffset)
  }

  await member.run({
    start: async () => {
      await producer.connect()
      // Totals committed by an earlier run that crashed before publishing them go out now.
      await publish('everything')
    },
    // Every batch queued is counted and committed (or has failed) before the consumer leaves.
    drain: () => pipeline.drain(),
    stop: async () => {
      clearInterval(ticker)
      await publish('pending').catch(() => {})
      await Promise.all([producer.disconnect().catch(() => {}), voting.close()])
    },
    // No chunkSize: a chunk is the whole batch, committed at its last offset. No chunk retry:
    // Postgres outages are retried statement by statement, Kafka's errors go back to kafkajs.
    process: processBatch,
  })
  const {lifecycle} = member
  if (lifecycle.error)
    throw unavailableError(
      `aggregation stopped: ${describeCause(lifecycle.error)}`,
      lifecycle.error,
      'run again: counted votes are never counted twice',
    )
  return snapshot()

  function snapshot(): AggregateStats {
    const seconds = (Date.now() - started) / 1000
    const count = histogram.totalCount
    return {
      ...stats,
      seconds,
      votesPerSecond: Math.round(stats.consumed / Math.max(seconds, 0.001)),
      // Percentiles come back as the top of their bucket; never report one above the maximum seen.
      latencyMs: {
        count,
        p50: count ? Math.min(histogram.getValueAtPercentile(50), histogram.maxValue) : 0,
        p99: count ? Math.min(histogram.getValueAtPercentile(99), histogram.maxValue) : 0,
        max: count ? histogram.maxValue : 0,
      },
      stopReason: member.lifecycle.stopReason,
    }
  }
}
