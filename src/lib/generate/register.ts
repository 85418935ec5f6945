import type {Kafka} from 'kafkajs'
import type pg from 'pg'

import {failureKind} from '../db/failures.js'
import {isUniqueViolationOn} from '../db/new-rows.js'
import {withTransaction} from '../db/pool.js'
import {copyVoters, insertVoters, type Voter} from '../election/voters.js'
import {publishKeyed} from '../kafka/publish.js'
import {retry} from '../retry.js'
import {VoterFactory} from './voters.js'

const IN_FLIGHT = 3

/**
 * 500: generation and kafkajs' encoding bound the rate, not round trips, so larger batches buy
 * little speed and cost memory: V8 lets the heap grow with the garbage of the batches in flight.
 * For 1,000,000 voters with time-ordered ids, five runs of each: 500 gave 35,769-40,465 voters/s
 * at 230-234 MB peak RSS, 1,000 gave 35,853-43,450 at 255-262 MB (bench/README.md, "Time-ordered voter ids").
 */
export const DEFAULT_BATCH_SIZE = 500

export interface RegisterOptions {
  count: number
  seed: number
  locale: string
  batchSize: number
  topic: string
  onProgress?: (done: number) => void
}

export interface RegisterResult {
  count: number
  inserted: number
  existing: number
  seconds: number
  votersPerSecond: number
}

/**
 * Streams voters in batches: each batch is stored and its new voters published
 * (idempotent producer, acks=all) inside one Postgres transaction, so a failed
 * publish rolls the batch back. A batch is stored with a COPY (copyVoters), or, when
 * some of its voters are there already, with an INSERT that skips them (insertVoters).
 * Generation overlaps the I/O of up to three batches in flight; memory holds at most four batches.
 */
export async function registerVoters(pool: pg.Pool, kafka: Kafka, options: RegisterOptions): Promise<RegisterResult> {
  const factory = new VoterFactory(options.seed, options.locale)
  const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  const started = Date.now()
  let inserted = 0
  let done = 0
  /** Stores the batch with `store` and publishes the voters it stored, in one transaction; how many. */
  const storeAndPublish = (voters: Voter[], store: typeof copyVoters) =>
    withTransaction(pool, async (client) => {
      const ids = await store(client, voters)
      // Re-running with the same seed publishes nothing twice: only voters new to Postgres go out.
      await publishKeyed(
        producer,
        options.topic,
        voters.filter((v) => ids.has(v.voter_id)),
        (v) => v.voter_id,
      )
      return ids.size
    })
  // Whether the last batch met voters already there (a run again with the same seed): the next one
  // likely does too, and goes straight to the INSERT that skips them instead of a COPY that would fail.
  let meetsExisting = false
  const write = async (voters: Voter[]) => {
    const fresh = await retry(
      async () => {
        if (!meetsExisting)
          try {
            return await storeAndPublish(voters, copyVoters)
          } catch (error) {
            // The COPY stored nothing and the transaction published nothing: the batch goes again, skipping them.
            if (!isUniqueViolationOn(error, 'voters')) throw error
          }
        const stored = await storeAndPublish(voters, insertVoters)
        meetsExisting = stored < voters.length
        return stored
      },
      // Only Postgres outages: a send that failed half-way and went again could put a voter on voters_topic twice.
      {retriable: (error) => failureKind(error) === 'outage'},
    )
    inserted += fresh
    done += voters.length
    options.onProgress?.(done)
  }
  let failure: {error: unknown} | undefined
  try {
    // A few batches in flight keep Postgres, the broker and this process busy at once.
    const inFlight = new Set<Promise<void>>()
    for (let start = 0; start < options.count; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, options.count)
      const batch: Voter[] = []
      for (let i = start; i < end; i++) batch.push(factory.voter(i))
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
      if (failure) throw failure.error
      const pending: Promise<void> = write(batch)
        .catch((error: unknown) => void (failure ??= {error}))
        .finally(() => inFlight.delete(pending))
      inFlight.add(pending)
    }
    await Promise.all(inFlight)
    if (failure) throw failure.error
  } finally {
    await producer.disconnect().catch(() => {})
  }
  const seconds = (Date.now() - started) / 1000
  return {
    count: options.count,
    inserted,
    existing: options.count - inserted,
    seconds,
    votersPerSecond: Math.round(options.count / Math.max(seconds, 0.001)),
  }
}
