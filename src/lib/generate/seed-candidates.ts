import type {Kafka} from 'kafkajs'
import type pg from 'pg'

import {withTransaction} from '../db/pool.js'
import {insertCandidates, type Candidate} from '../election/candidates.js'
import {publishKeyed} from '../kafka/publish.js'

export interface SeedResult {
  inserted: number
  existing: number
  candidates: Candidate[]
}

/**
 * Candidates (from generateCandidates: deterministic, and made before connecting, so a bad
 * locale is refused before anything is written) into Postgres and onto candidates_topic, in one Postgres transaction
 * (a failed publish rolls the insert back): only candidates new to Postgres are published, so a
 * second run with the same seed changes nothing. `seed-candidates` and the demo both seed this way.
 */
export async function seedCandidates(pool: pg.Pool, kafka: Kafka, candidates: Candidate[], topic: string): Promise<SeedResult> {
  const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    const fresh = await withTransaction(pool, async (client) => {
      const inserted = await insertCandidates(client, candidates)
      await publishKeyed(producer, topic, inserted, (c) => c.candidate_id)
      return inserted
    })
    return {inserted: fresh.length, existing: candidates.length - fresh.length, candidates}
  } finally {
    await producer.disconnect().catch(() => {})
  }
}
