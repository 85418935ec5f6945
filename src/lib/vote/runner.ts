import type {Kafka, Producer, EachBatchPayload} from 'kafkajs'
import type pg from 'pg'

import {withRetry, withTransaction} from '../db/pool.js'
import {configError, describeCause, unavailableError} from '../errors.js'
import {MemberLifecycle, memberConsumer} from '../kafka/lifecycle.js'
import {deadLetter, decode, voterSchema, type Rejected} from '../kafka/messages.js'
import type {TopicNames} from '../kafka/topics.js'
import {Preferences} from './preferences.js'
import {chunkSizeFor, TokenBucket} from './rate.js'
import {castVotes, loadCandidates, type Ballot, type StoredVote} from './store.js'

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
  const candidates = await withRetry(() => loadCandidates(pool))
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
  const producers = new Map<number, Promise<Producer>>()
  const producerFor = (partition: number) => {
    let producer = producers.get(partition)
    if (!producer) {
      const p = kafka.producer({transactionalId: `${names.groups.vote}-${names.voters}-${partition}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000})
      // A failed connect (e.g. the broker still aborting a killed owner's transaction) must not stay cached.
      producer = p.connect().then(
        () => p,
        (error: unknown) => {
          producers.delete(partition)
          throw error
        },
      )
      producers.set(partition, producer)
    }
    return producer
  }

  const started = Date.now()
  const stats: VoteStats = {votes: 0, newVotes: 0, deadLettered: 0, seconds: 0, votesPerSecond: 0, stopReason: null}
  // Chunks of several partitions run side by side, so --max-votes is reserved before a chunk starts.
  let reserved = 0
  const budgetLeft = () => (options.maxVotes === undefined ? Infinity : options.maxVotes - stats.votes - reserved)

  /** One Kafka transaction: the chunk's votes, its dead letters and the consumed offset, all or nothing. */
  const publishChunk = async (topic: string, partition: number, votes: StoredVote[], rejected: Rejected[], nextOffset: string) => {
    const producer = await producerFor(partition)
    const transaction = await producer.transaction()
    try {
      const sends = []
      if (votes.length) sends.push(transaction.send({topic: names.votes, messages: votes.map((v) => ({key: v.voter_id, value: JSON.stringify(v)}))}))
      if (rejected.length) sends.push(transaction.send({topic: names.deadLetter, messages: rejected.map((r) => deadLetter(topic, partition, r))}))
      await Promise.all(sends)
      await transaction.sendOffsets({consumerGroupId: names.groups.vote, topics: [{topic, partitions: [{partition, offset: nextOffset}]}]})
      await transaction.commit()
    } catch (error) {
      await transaction.abort().catch(() => {})
      // A producer whose transaction failed half-way (broker gone) is unusable: drop it; the
      // next one with the same transactional id aborts whatever was left open.
      producers.delete(partition)
      await producer.disconnect().catch(() => {})
      throw error
    }
  }

  const processChunk = async (payload: EachBatchPayload, messages: EachBatchPayload['batch']['messages']) => {
    const {batch} = payload
    // Tokens first: a vote's voting_time is when it is cast, not when it started waiting for the rate.
    await bucket?.take(messages.length)
    const votingTime = new Date().toISOString()
    const rejected: Rejected[] = []
    const ballots: Ballot[] = []
    const seen = new Set<string>()
    for (const message of messages) {
      const decoded = decode(voterSchema, message.value)
      if (!decoded.ok) {
        rejected.push({reason: decoded.reason, key: message.key, value: message.value, offset: message.offset})
        continue
      }
      const voter = decoded.value
      if (seen.has(voter.voter_id)) continue // the same voter twice in one chunk: one ballot
      seen.add(voter.voter_id)
      const choice = candidates[preferences.choose(voter.voter_id, voter.address.state, voter.registered_age)]!
      ballots.push({voter_id: voter.voter_id, candidate_id: choice.candidate_id, voting_time: votingTime})
    }
    const stored = ballots.length
      ? await withRetry(() => withTransaction(pool, (client) => castVotes(client, ballots)), {signal: lifecycle.abort.signal})
      : {votes: [], inserted: 0, unknown: [] as string[]}
    for (const id of stored.unknown) {
      const message = messages.find((m) => m.key?.toString() === id) ?? messages[0]!
      rejected.push({reason: 'unknown voter: not in the voters table', key: message.key, value: message.value, offset: message.offset})
    }
    const last = messages[messages.length - 1]!
    await publishChunk(batch.topic, batch.partition, stored.votes, rejected, String(Number(last.offset) + 1))
    payload.resolveOffset(last.offset)
    stats.votes += stored.votes.length
    stats.newVotes += stored.inserted
    stats.deadLettered += rejected.length
  }

  /** Broker or Postgres restarts: retry the chunk with backoff (it is idempotent) for up to ~2 minutes. */
  const retryChunk = async (work: () => Promise<void>, gone: () => boolean) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        if (attempt >= 25 || gone()) throw error
        if (attempt === 1 || attempt % 5 === 0) process.stderr.write(`retrying a chunk after: ${describeCause(error)}\n`)
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5000)))
      }
    }
  }

  await consumer.connect()
  let running: Promise<void> | undefined
  try {
    await consumer.subscribe({topic: names.voters, fromBeginning: true})
    // Not awaited: a signal must be able to stop us while the group join is still going on.
    running = consumer.run({
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
              await retryChunk(() => processChunk(payload, chunk), () => !payload.isRunning() || payload.isStale() || lifecycle.abort.signal.aborted)
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
    running.catch((error: unknown) => lifecycle.fail(error))
    const timer = options.durationMs ? setTimeout(() => lifecycle.stop('duration'), options.durationMs) : undefined
    await lifecycle.untilStopped()
    clearTimeout(timer)
  } finally {
    // Disconnecting while run() is still joining leaves kafkajs fetching forever; let the join finish first.
    await running?.catch(() => {})
    await consumer.disconnect().catch(() => {})
    await Promise.all([...producers.values()].map(async (p) => (await p).disconnect().catch(() => {})))
  }
  if (lifecycle.error) throw unavailableError(`voting stopped: ${describeCause(lifecycle.error)}`, lifecycle.error, 'run again: nothing was lost; the uncommitted batch is consumed again')
  return {...snapshot(), stopReason: lifecycle.stopReason}

  function snapshot(): VoteStats {
    const seconds = (Date.now() - started) / 1000
    return {...stats, seconds, votesPerSecond: Math.round(stats.votes / Math.max(seconds, 0.001)), stopReason: lifecycle.stopReason}
  }
}
