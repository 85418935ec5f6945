import type {EachBatchPayload, Kafka, KafkaMessage, Producer} from 'kafkajs'
import type pg from 'pg'

import {isolateDataErrors} from '../db/isolate.js'
import {loadCandidates} from '../election/candidates.js'
import {castVotes, type Ballot, type StoredVote} from '../election/votes.js'
import {configError, describeCause, unavailableError} from '../errors.js'
import {isKafkaJsError} from '../kafka/causes.js'
import {PartitionProducers, type AcquiredProducer} from '../kafka/fencing.js'
import {GroupMember} from '../kafka/member.js'
import {deadLetter, rejectedRecord, type Rejected} from '../kafka/messages.js'
import type {TopicNames} from '../kafka/topics.js'
import {silentLogger, type Logger} from '../logger.js'
import {VoteMetrics} from '../metrics/pipeline.js'
import {isRetriable, retry} from '../retry.js'
import {ballotsOf, type Chooser} from './ballots.js'
import {Preferences} from './preferences.js'
import {chunkSizeFor, TokenBucket} from './rate.js'

export interface VoteOptions {
  /** Aborted on SIGINT/SIGTERM: finish or abandon the batch in flight, then stop. */
  stopSignal?: AbortSignal
  rate?: number
  durationMs?: number
  maxVotes?: number
  seed: number
  /** Preferences shift with the voters_topic offset (see Preferences). */
  swing?: boolean
  idleMs?: number
  sessionTimeoutMs: number
  onProgress?: (stats: VoteStats) => void
  /** Where the run is counted for Prometheus; a private, unserved set when omitted. */
  metrics?: VoteMetrics
  /** Retry notices; none when omitted. */
  logger?: Logger
}

export interface VoteStats {
  votes: number
  newVotes: number
  deadLettered: number
  seconds: number
  votesPerSecond: number
  stopReason: string | null
}

/** A chunk's Postgres half, ready for its Kafka transaction. */
interface Prepared {
  acquired: AcquiredProducer
  votes: StoredVote[]
  inserted: number
  rejected: Rejected[]
}

/** A chunk is retried as a whole for up to about two minutes (broker or Postgres restarts). */
const CHUNK_ATTEMPTS = 25

/**
 * Consume voters, choose, store, publish — exactly once per voters_topic record:
 * Postgres first (the primary key keeps one vote per voter), then one Kafka
 * transaction per chunk holding the chunk's votes as stored, its dead letters and
 * the consumed offsets (sendOffsets). A crash before the commit aborts the
 * transaction and the chunk is consumed again; Postgres then returns the stored
 * votes, which are republished identically. Each input partition has its own
 * transactional id, so a new owner of the partition fences a zombie (kafkajs has no
 * KIP-447 group fencing).
 */
export async function runVoting(pool: pg.Pool, kafka: Kafka, names: TopicNames, options: VoteOptions): Promise<VoteStats> {
  const metrics = options.metrics ?? new VoteMetrics()
  const candidates = await retry(() => loadCandidates(pool), {onRetry: metrics.retried})
  if (candidates.length === 0) throw configError('no candidates found in database', 'run `election seed-candidates`')
  const preferences = new Preferences(candidates, options.seed, options.swing)
  const chunkSize = chunkSizeFor(options.rate)
  // A burst of one second lets a slow transaction be made up, so the mean over a minute stays on the rate.
  const bucket = options.rate ? new TokenBucket(options.rate, Math.max(chunkSize, options.rate)) : undefined

  const member = new GroupMember(kafka, {
    groupId: names.groups.vote,
    topic: names.voters,
    sessionTimeoutMs: options.sessionTimeoutMs,
    idleMs: options.idleMs,
    durationMs: options.durationMs,
    stopSignal: options.stopSignal,
    tuning: {maxBytesPerPartition: 2 * 1024 * 1024, maxWaitTimeInMs: 200},
    // The token bucket is shared, so the rate holds across partitions processed side by side.
    partitionsConsumedConcurrently: 6,
    logger: options.logger ?? silentLogger,
    metrics,
  })
  const admin = kafka.admin()
  const producers = new PartitionProducers(
    kafka,
    admin,
    names.groups.vote,
    names.voters,
    member.lifecycle,
    (partition) => `${names.groups.vote}-${names.voters}-${partition}`,
  )

  const started = Date.now()
  const stats: VoteStats = {votes: 0, newVotes: 0, deadLettered: 0, seconds: 0, votesPerSecond: 0, stopReason: null}
  // Chunks of several partitions run side by side, so --max-votes counts the chunks in flight as cast.
  const budgetLeft = (inFlight: number) => (options.maxVotes === undefined ? Infinity : options.maxVotes - stats.votes - inFlight)

  /** One Kafka transaction: the chunk's votes, its dead letters and the consumed offset, all or nothing. */
  const publishChunk = async (
    producer: Producer,
    topic: string,
    partition: number,
    votes: StoredVote[],
    rejected: Rejected[],
    nextOffset: string,
  ) => {
    const transaction = await producer.transaction()
    try {
      const sends = []
      if (votes.length) sends.push(transaction.send({topic: names.votes, messages: votes.map((v) => ({key: v.voter_id, value: v.record}))}))
      if (rejected.length)
        sends.push(transaction.send({topic: names.deadLetter, messages: rejected.map((r) => deadLetter(topic, partition, r))}))
      await Promise.all(sends)
      await transaction.sendOffsets({consumerGroupId: names.groups.vote, topics: [{topic, partitions: [{partition, offset: nextOffset}]}]})
      await transaction.commit()
      metrics.transaction('committed')
    } catch (error) {
      await transaction.abort().catch(() => {})
      metrics.transaction('aborted')
      throw error
    }
  }

  /** Stores the ballots; a ballot Postgres refuses for a data reason is isolated and dead-lettered, never retried. */
  const store = async (ballots: Array<{ballot: Ballot; message: KafkaMessage}>, rejected: Rejected[]) => {
    const {results, refused} = await isolateDataErrors(ballots, async (part) => ({
      part,
      // One statement (insert and read-back), atomic on its own: no explicit transaction.
      stored: await retry(
        () =>
          castVotes(
            pool,
            part.map((p) => p.ballot),
          ),
        {signal: member.signal, onRetry: metrics.retried},
      ),
    }))
    for (const {item, reason} of refused) rejected.push(rejectedRecord(item.message, {reason, category: 'postgres_rejected'}))
    for (const {part, stored} of results) {
      // The dead letter holds the offending record itself, whatever its key.
      for (const {voter_id, rejection} of stored.refused)
        rejected.push(rejectedRecord(part.find((p) => p.ballot.voter_id === voter_id)!.message, rejection))
    }
    return {votes: results.flatMap((r) => r.stored.votes), inserted: results.reduce((n, r) => n + r.stored.inserted, 0)}
  }

  const choose: Chooser = ({voter_id, state, age, offset}) => candidates[preferences.choose(voter_id, state, age, offset)]!.candidate_id

  /**
   * The Postgres half of a chunk: the records the partition's producer has not committed yet,
   * their votes stored and read back. Built for one acquired producer: its committed offset
   * decided which records count, so it is published only through that same producer.
   */
  const prepare = async (chunk: KafkaMessage[], acquired: AcquiredProducer): Promise<Prepared> => {
    const messages = chunk.filter((m) => BigInt(m.offset) >= acquired.committedOffset)
    if (messages.length === 0) return {acquired, votes: [], inserted: 0, rejected: []}
    // Tokens first: a vote's voting_time is when it is cast, not when it started waiting for the rate.
    await bucket?.take(messages.length)
    const {ballots, rejected} = ballotsOf(messages, choose, new Date().toISOString())
    const stored = ballots.length ? await store(ballots, rejected) : {votes: [], inserted: 0}
    return {acquired, ...stored, rejected}
  }

  /** The chunk's Kafka transaction, through the producer it was prepared for; a failed producer is replaced. */
  const publish = async (topic: string, partition: number, prepared: Prepared, lastOffset: string) => {
    const {acquired, votes, inserted, rejected} = prepared
    if (votes.length > 0 || rejected.length > 0) {
      try {
        await publishChunk(acquired.producer, topic, partition, votes, rejected, String(Number(lastOffset) + 1))
      } catch (error) {
        await producers.discard(partition, error)
        throw error
      }
      stats.votes += votes.length
      stats.newVotes += inserted
      stats.deadLettered += rejected.length
      metrics.votesCast.inc(votes.length)
      metrics.votesNew.inc(inserted)
      metrics.deadLettered(rejected)
    }
    done.set(partition, {acquired, lastOffset})
  }

  /**
   * Per partition, the next chunk's Postgres half, started while this chunk's Kafka transaction
   * runs (see processChunk). Stored early is safe: it is crash window 2 of docs/architecture.md
   * (stored, not published; consumed again and republished from Postgres). A clean stop
   * publishes it still (see flushAhead), so a stopped run leaves no vote unpublished.
   */
  const ahead = new Map<number, {after: string; first: string; last: string; prepared: Promise<Prepared | undefined>}>()
  const pending = new Set<Promise<unknown>>()
  /** Per partition, the producer of the last committed chunk and that chunk's last offset. */
  const done = new Map<number, {acquired: AcquiredProducer; lastOffset: string}>()
  // --max-votes: nothing stored beyond the budget, so no work ahead.
  const lookAhead = options.maxVotes === undefined

  const processChunk = async (chunk: KafkaMessage[], payload: EachBatchPayload, next?: KafkaMessage[]) => {
    const {batch} = payload
    const last = chunk[chunk.length - 1]!
    const early = ahead.get(batch.partition)
    ahead.delete(batch.partition)
    // The producer first: a new one fences any earlier owner of the partition and tells what it committed.
    const acquired = await producers.acquire(batch.partition)
    let prepared = early && early.first === chunk[0]!.offset && early.last === last.offset ? await early.prepared : undefined
    // Prepared for another producer (replaced since, so its committed offset may have moved), or not at all: now.
    if (prepared?.acquired !== acquired) prepared = await prepare(chunk, acquired)
    if (lookAhead && next?.length && !member.signal.aborted) {
      const work = prepare(next, acquired).catch(() => undefined)
      ahead.set(batch.partition, {after: last.offset, first: next[0]!.offset, last: next[next.length - 1]!.offset, prepared: work})
      pending.add(work)
      void work.finally(() => pending.delete(work))
    }
    // Transactions of one producer stay sequential: this chunk's commits before the next one's begins.
    await publish(batch.topic, batch.partition, prepared, last.offset)
    payload.resolveOffset(last.offset)
    options.onProgress?.(snapshot())
  }

  /**
   * On a clean stop, the work ahead that directly follows a committed chunk of the same producer
   * is published too (its own transaction, with its offsets), so no vote stays stored but
   * unpublished. Anything else (the chunk before it failed, the producer was replaced or fenced)
   * is left: its voters are consumed again and their stored votes republished.
   */
  const flushAhead = async () => {
    const entries = [...ahead]
    ahead.clear()
    for (const [partition, early] of entries) {
      const prepared = await early.prepared
      const before = done.get(partition)
      if (!prepared || before?.acquired !== prepared.acquired || before.lastOffset !== early.after) continue
      await publish(names.voters, partition, prepared, early.last).catch(() => {})
    }
  }

  await member.run({
    start: () => admin.connect(),
    stop: async () => {
      if (!member.lifecycle.error) await flushAhead()
      // Work ahead still storing finishes first (its votes are stored, not published: window 2).
      await Promise.all(pending)
      await producers.disconnectAll()
      await admin.disconnect().catch(() => {})
    },
    chunkSize: (inFlight) => Math.min(chunkSize, budgetLeft(inFlight)),
    // A chunk is idempotent and a failed transaction's producer is replaced, so any Kafka error is worth another try.
    retry: {attempts: CHUNK_ATTEMPTS, retriable: (error) => isRetriable(error) || isKafkaJsError(error)},
    process: processChunk,
  })
  const {lifecycle} = member
  if (lifecycle.error)
    throw unavailableError(
      `voting stopped: ${describeCause(lifecycle.error)}`,
      lifecycle.error,
      'run again: nothing was lost; the uncommitted batch is consumed again',
    )
  return {...snapshot(), stopReason: lifecycle.stopReason}

  function snapshot(): VoteStats {
    const seconds = (Date.now() - started) / 1000
    return {...stats, seconds, votesPerSecond: Math.round(stats.votes / Math.max(seconds, 0.001)), stopReason: member.lifecycle.stopReason}
  }
}
