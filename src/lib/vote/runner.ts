import type {EachBatchPayload, Kafka, KafkaMessage, Producer} from 'kafkajs'
import type pg from 'pg'

import {isolateDataErrors} from '../db/isolate.js'
import {pauseFor, withRetry, withTransaction} from '../db/pool.js'
import {configError, describeCause, unavailableError} from '../errors.js'
import {FencedError, isFencingError, PartitionProducers} from '../kafka/fencing.js'
import {MemberLifecycle, memberConsumer, runMember} from '../kafka/lifecycle.js'
import {deadLetter, decode, type Rejected, type Rejection} from '../kafka/messages.js'
import type {TopicNames} from '../kafka/topics.js'
import {VoteMetrics} from '../metrics/pipeline.js'
import {Preferences} from './preferences.js'
import {chunkSizeFor, TokenBucket} from './rate.js'
import {loadCandidates} from '../election/candidates.js'
import {voterSchema} from '../election/voters.js'
import {castVotes, type Ballot, type VoteRecord} from '../election/votes.js'

export interface VoteOptions {
  /** Aborted on SIGINT/SIGTERM: finish or abandon the batch in flight, then stop. */
  stopSignal?: AbortSignal
  rate?: number
  durationMs?: number
  maxVotes?: number
  seed: number
  idleMs?: number
  sessionTimeoutMs: number
  onProgress?: (stats: VoteStats) => void
  /** Where the run is counted for Prometheus; a private, unserved set when omitted. */
  metrics?: VoteMetrics
}

export interface VoteStats {
  votes: number
  newVotes: number
  deadLettered: number
  seconds: number
  votesPerSecond: number
  stopReason: string | null
}

/**
 * Consume voters, choose, store, publish — exactly once per voters_topic record:
 * Postgres first (ON CONFLICT DO NOTHING keeps one vote per voter), then one Kafka
 * transaction per chunk holding the chunk's votes as stored, its dead letters and
 * the consumed offsets (sendOffsets). A crash before the commit aborts the
 * transaction and the chunk is consumed again; Postgres then returns the stored
 * votes, which are republished identically. Each input partition has its own
 * transactional id, so a new owner of the partition fences a zombie (kafkajs has no
 * KIP-447 group fencing).
 */
export async function runVoting(pool: pg.Pool, kafka: Kafka, names: TopicNames, options: VoteOptions): Promise<VoteStats> {
  const metrics = options.metrics ?? new VoteMetrics()
  const candidates = await withRetry(() => loadCandidates(pool), {onRetry: metrics.retried})
  if (candidates.length === 0) throw configError('no candidates found in database', 'run `election seed-candidates`')
  const preferences = new Preferences(candidates, options.seed)
  const chunkSize = chunkSizeFor(options.rate)
  // A burst of one second lets a slow transaction be made up, so the mean over a minute stays on the rate.
  const bucket = options.rate ? new TokenBucket(options.rate, Math.max(chunkSize, options.rate)) : undefined

  const consumer = memberConsumer(kafka, names.groups.vote, options.sessionTimeoutMs, {
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  })
  const lifecycle = new MemberLifecycle(consumer, options.idleMs, options.stopSignal)
  metrics.observe(consumer)
  const admin = kafka.admin()
  const producers = new PartitionProducers(kafka, admin, names.groups.vote, names.voters, lifecycle, (partition) => `${names.groups.vote}-${names.voters}-${partition}`)

  const started = Date.now()
  const stats: VoteStats = {votes: 0, newVotes: 0, deadLettered: 0, seconds: 0, votesPerSecond: 0, stopReason: null}
  // Chunks of several partitions run side by side, so --max-votes is reserved before a chunk starts.
  let reserved = 0
  const budgetLeft = () => (options.maxVotes === undefined ? Infinity : options.maxVotes - stats.votes - reserved)

  /** One Kafka transaction: the chunk's votes, its dead letters and the consumed offset, all or nothing. */
  const publishChunk = async (producer: Producer, topic: string, partition: number, votes: VoteRecord[], rejected: Rejected[], nextOffset: string) => {
    const transaction = await producer.transaction()
    try {
      const sends = []
      if (votes.length) sends.push(transaction.send({topic: names.votes, messages: votes.map((v) => ({key: v.voter_id, value: JSON.stringify(v)}))}))
      if (rejected.length) sends.push(transaction.send({topic: names.deadLetter, messages: rejected.map((r) => deadLetter(topic, partition, r))}))
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
  const store = async (ballots: Array<{ballot: Ballot; message: KafkaMessage}>, reject: (message: KafkaMessage, rejection: Rejection) => void) => {
    const {results, refused} = await isolateDataErrors(ballots, async (part) => ({
      part,
      stored: await withRetry(() => withTransaction(pool, (client) => castVotes(client, part.map((p) => p.ballot))), {signal: lifecycle.abort.signal, onRetry: metrics.retried}),
    }))
    for (const {item, reason} of refused) reject(item.message, {reason, category: 'postgres_rejected'})
    for (const {part, stored} of results) {
      // The dead letter holds the offending record itself, whatever its key.
      for (const id of stored.unknown) reject(part.find((p) => p.ballot.voter_id === id)!.message, {reason: 'unknown voter: not in the voters table', category: 'unknown_voter'})
    }
    return {votes: results.flatMap((r) => r.stored.votes), inserted: results.reduce((n, r) => n + r.stored.inserted, 0)}
  }

  const processChunk = async (payload: EachBatchPayload, chunk: KafkaMessage[]) => {
    const {batch} = payload
    // The producer first: a new one fences any earlier owner of the partition and tells what it committed.
    const {producer, committedOffset} = await producers.acquire(batch.partition)
    const messages = chunk.filter((m) => BigInt(m.offset) >= committedOffset)
    const last = chunk[chunk.length - 1]!
    if (messages.length > 0) {
      // Tokens first: a vote's voting_time is when it is cast, not when it started waiting for the rate.
      await bucket?.take(messages.length)
      const votingTime = new Date().toISOString()
      const rejected: Rejected[] = []
      const reject = (message: KafkaMessage, {reason, category}: Rejection) => rejected.push({reason, category, key: message.key, value: message.value, offset: message.offset})
      const ballots: Array<{ballot: Ballot; message: KafkaMessage}> = []
      const seen = new Set<string>()
      for (const message of messages) {
        const decoded = decode(voterSchema, message.value)
        if (!decoded.ok) {
          reject(message, decoded)
          continue
        }
        const voter = decoded.value
        if (seen.has(voter.voter_id)) continue // the same voter twice in one chunk: one ballot
        seen.add(voter.voter_id)
        const choice = candidates[preferences.choose(voter.voter_id, voter.address.state, voter.registered_age)]!
        ballots.push({ballot: {voter_id: voter.voter_id, candidate_id: choice.candidate_id, voting_time: votingTime}, message})
      }
      const stored = ballots.length ? await store(ballots, reject) : {votes: [], inserted: 0}
      try {
        await publishChunk(producer, batch.topic, batch.partition, stored.votes, rejected, String(Number(last.offset) + 1))
      } catch (error) {
        await producers.discard(batch.partition, error)
        throw error
      }
      stats.votes += stored.votes.length
      stats.newVotes += stored.inserted
      stats.deadLettered += rejected.length
      metrics.votesCast.inc(stored.votes.length)
      metrics.votesNew.inc(stored.inserted)
      metrics.deadLettered(rejected)
    }
    payload.resolveOffset(last.offset)
  }

  /** Broker or Postgres restarts: retry the chunk with backoff (it is idempotent) for up to ~2 minutes. */
  const retryChunk = async (work: () => Promise<void>, gone: () => boolean) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        // Fenced: this member may no longer own the partition; the chunk is left to whoever does.
        if (error instanceof FencedError || isFencingError(error)) return 'fenced'
        if (attempt >= 25 || gone()) throw error
        metrics.retried(error)
        if (attempt === 1 || attempt % 5 === 0) process.stderr.write(`retrying a chunk after: ${describeCause(error)}\n`)
        await pauseFor(Math.min(250 * 2 ** attempt, 5000), lifecycle.abort.signal)
      }
    }
  }

  try {
    await admin.connect().catch((error: unknown) => lifecycle.fail(error))
    const timer = options.durationMs ? setTimeout(() => lifecycle.stop('duration'), options.durationMs) : undefined
    if (!lifecycle.error) await runMember(consumer, lifecycle, names.voters, {
      autoCommit: false,
      eachBatchAutoResolve: false,
      // The token bucket is shared, so the rate holds across partitions processed side by side.
      partitionsConsumedConcurrently: 3,
      eachBatch: async (payload) => {
        lifecycle.recordsArrived()
        await lifecycle.track(async () => {
          const messages = payload.batch.messages
          for (let i = 0; i < messages.length; ) {
            if (lifecycle.abort.signal.aborted) {
              payload.pause()
              return
            }
            if (!payload.isRunning() || payload.isStale()) return
            const size = Math.min(chunkSize, budgetLeft())
            if (size <= 0) return lifecycle.stop('max')
            const chunk = messages.slice(i, i + size)
            reserved += chunk.length
            try {
              const outcome = await retryChunk(() => processChunk(payload, chunk), () => !payload.isRunning() || payload.isStale() || lifecycle.abort.signal.aborted)
              if (outcome === 'fenced') {
                // Unresolved, the rest of the batch is fetched again; a heartbeat (a rebalance
                // error, or a confirmation of this generation) lets the group speak first.
                await new Promise((resolve) => setTimeout(resolve, 250))
                await payload.heartbeat()
                return
              }
            } finally {
              reserved -= chunk.length
            }
            i += chunk.length
            options.onProgress?.(snapshot())
            await payload.heartbeat()
            if (budgetLeft() <= 0) return lifecycle.stop('max')
          }
        })
      },
    })
    clearTimeout(timer)
  } finally {
    await producers.disconnectAll()
    await admin.disconnect().catch(() => {})
  }
  if (lifecycle.error) throw unavailableError(`voting stopped: ${describeCause(lifecycle.error)}`, lifecycle.error, 'run again: nothing was lost; the uncommitted batch is consumed again')
  return {...snapshot(), stopReason: lifecycle.stopReason}

  function snapshot(): VoteStats {
    const seconds = (Date.now() - started) / 1000
    return {...stats, seconds, votesPerSecond: Math.round(stats.votes / Math.max(seconds, 0.001)), stopReason: lifecycle.stopReason}
  }
}
