import * as hdr from 'hdr-histogram-js'
import type {Kafka, KafkaMessage, Producer} from 'kafkajs'
import type pg from 'pg'

import {isolateDataErrors} from '../db/isolate.js'
import {withRetry, withTransaction} from '../db/pool.js'
import {describeCause, unavailableError} from '../errors.js'
import {MemberLifecycle, memberConsumer, runMember} from '../kafka/lifecycle.js'
import {voteSchema} from '../election/votes.js'
import {deadLetter, decode, type Rejected, type Rejection} from '../kafka/messages.js'
import type {TopicNames} from '../kafka/topics.js'
import {renewingProducer} from '../kafka/renewing-producer.js'
import {AggregateMetrics} from '../metrics/pipeline.js'
import {publishTotals} from './publish.js'
import {countVotes, dimensionKey, keysOf, type CountedVote, type DimensionKey, type VoteClaim} from './store.js'

export interface AggregateOptions {
  /** Aborted on SIGINT/SIGTERM: finish or abandon the batch in flight, then stop. */
  stopSignal?: AbortSignal
  idleMs?: number
  sessionTimeoutMs: number
  publishIntervalMs?: number
  onProgress?: (stats: AggregateStats) => void
  /** Where the run is counted for Prometheus; a private, unserved set when omitted. */
  metrics?: AggregateMetrics
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
 * transaction records the batch's voter ids and adds the new votes to the totals
 * (see countVotes); Kafka offsets are committed only after it. Reprocessing after a
 * crash or rebalance is therefore harmless, and the aggregate topics carry absolute
 * totals, so republishing them is harmless too. See docs/architecture.md.
 */
export async function runAggregator(pool: pg.Pool, kafka: Kafka, names: TopicNames, options: AggregateOptions): Promise<AggregateStats> {
  const publishEvery = options.publishIntervalMs ?? 100
  const metrics = options.metrics ?? new AggregateMetrics()
  const consumer = memberConsumer(kafka, names.groups.aggregate, options.sessionTimeoutMs, {
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  })
  // Renewed when a moved partition leader rejects its sequence numbers (a broker of a replicated cluster died).
  const producer: Producer = renewingProducer(kafka, {idempotent: true, maxInFlightRequests: 1})
  const lifecycle = new MemberLifecycle(consumer, options.idleMs, options.stopSignal)
  metrics.observe(consumer)
  const histogram = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3})
  const started = Date.now()
  const stats = {consumed: 0, counted: 0, duplicates: 0, deadLettered: 0, published: 0}

  // Keys whose totals changed since the last publication, and the voting times waiting on it.
  let dirty = new Set<DimensionKey>()
  let waiting: number[] = []
  let publishing: Promise<void> = Promise.resolve()
  let lastPublish = 0
  const publish = (all = false) => {
    publishing = publishing.then(async () => {
      const keys = dirty
      const times = waiting
      dirty = new Set()
      waiting = []
      try {
        const published = await withRetry(() => publishTotals(pool, producer, names, all ? undefined : [...keys]), {signal: lifecycle.abort.signal, onRetry: metrics.retried})
        stats.published += published
        metrics.published.inc(published)
        lastPublish = Date.now()
        for (const t of times) {
          const latency = Math.max(1, lastPublish - t)
          histogram.recordValue(latency)
          metrics.latencyMs(latency)
        }
      } catch (error) {
        // Keep them for the next round; totals are absolute so a late publication is still right.
        for (const k of keys) dirty.add(k)
        waiting.push(...times)
        if (!lifecycle.abort.signal.aborted) process.emitWarning(`publishing totals failed, will retry: ${describeCause(error)}`)
      }
    })
    return publishing
  }
  const ticker = setInterval(() => {
    if (dirty.size > 0 && Date.now() - lastPublish >= publishEvery) void publish()
  }, Math.max(10, Math.floor(publishEvery / 2)))

  try {
    await producer.connect().catch((error: unknown) => lifecycle.fail(error))
    // Totals committed by an earlier run that crashed before publishing them go out now.
    if (!lifecycle.error) await publish(true)
    if (!lifecycle.error) await runMember(consumer, lifecycle, names.votes, {
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition's batch in its own Postgres transaction at once: the database work overlaps.
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({batch, resolveOffset, heartbeat, isRunning, isStale, pause}) => {
        lifecycle.recordsArrived()
        // Stopping: pause rather than return unresolved, or kafkajs fetches the same batch again and again.
        if (lifecycle.abort.signal.aborted) {
          pause()
          return
        }
        if (!isRunning() || isStale() || batch.messages.length === 0) return
        await lifecycle.track(async () => {
          const claims: Array<{claim: VoteClaim; message: KafkaMessage}> = []
          const rejected: Rejected[] = []
          const reject = (message: KafkaMessage, {reason, category}: Rejection) => rejected.push({reason, category, key: message.key, value: message.value, offset: message.offset})
          for (const message of batch.messages) {
            const decoded = decode(voteSchema, message.value)
            if (decoded.ok) claims.push({claim: {voter_id: decoded.value.voter_id, candidate_id: decoded.value.candidate_id}, message})
            else reject(message, decoded)
          }
          const {results, refused} = await isolateDataErrors(claims, async (part) => {
            const outcomes = await withRetry(() => withTransaction(pool, (client) => countVotes(client, part.map((p) => p.claim))), {signal: lifecycle.abort.signal, onRetry: metrics.retried})
            return outcomes.map((outcome, i) => ({outcome, message: part[i]!.message}))
          })
          for (const {item, reason} of refused) reject(item.message, {reason, category: 'postgres_rejected'})
          const counted: CountedVote[] = []
          let duplicates = 0
          for (const {outcome, message} of results.flat()) {
            if (outcome.kind === 'counted') counted.push(outcome.vote)
            else if (outcome.kind === 'duplicate') duplicates++
            else reject(message, outcome)
          }
          if (rejected.length) {
            await producer.send({topic: names.deadLetter, acks: -1, messages: rejected.map((r) => deadLetter(batch.topic, batch.partition, r))})
          }
          for (const vote of counted) {
            for (const [dimension, key] of keysOf(vote)) dirty.add(dimensionKey(dimension, key))
            waiting.push(Date.parse(vote.voting_time))
          }
          resolveOffset(batch.lastOffset())
          // Only after the counts are committed: a crash before this line re-reads the batch, which counts nothing twice.
          const next = String(Number(batch.lastOffset()) + 1)
          await consumer.commitOffsets([{topic: batch.topic, partition: batch.partition, offset: next}])
          stats.consumed += batch.messages.length
          stats.counted += counted.length
          stats.duplicates += duplicates
          stats.deadLettered += rejected.length
          metrics.consumed.inc(batch.messages.length)
          metrics.counted.inc(counted.length)
          metrics.duplicates.inc(duplicates)
          metrics.deadLettered(rejected)
          if (dirty.size > 0 && Date.now() - lastPublish >= publishEvery) void publish()
          options.onProgress?.(snapshot())
          await heartbeat()
        })
      },
    })
  } finally {
    clearInterval(ticker)
    await publish().catch(() => {})
    await producer.disconnect().catch(() => {})
  }
  if (lifecycle.error) throw unavailableError(`aggregation stopped: ${describeCause(lifecycle.error)}`, lifecycle.error, 'run again: counted votes are never counted twice')
  return snapshot()

  function snapshot(): AggregateStats {
    const seconds = (Date.now() - started) / 1000
    const count = histogram.totalCount
    return {
      ...stats,
      seconds,
      votesPerSecond: Math.round(stats.consumed / Math.max(seconds, 0.001)),
      // Percentiles come back as the top of their bucket; never report one above the maximum seen.
      latencyMs: {count, p50: count ? Math.min(histogram.getValueAtPercentile(50), histogram.maxValue) : 0, p99: count ? Math.min(histogram.getValueAtPercentile(99), histogram.maxValue) : 0, max: count ? histogram.maxValue : 0},
      stopReason: lifecycle.stopReason,
    }
  }
}
