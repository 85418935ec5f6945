import pg from 'pg'
import type {Kafka} from 'kafkajs'

import {createSchema} from '../../../src/lib/db/schema.js'
import {ensureTopics} from '../../../src/lib/kafka/admin.js'
import {createKafka} from '../../../src/lib/kafka/client.js'
import {AGGREGATE_TOPICS, topicNames, type AggregateKind} from '../../../src/lib/kafka/topics.js'
import type {TestEnv} from '../../helpers/services.js'

export type AggregateRecord = {kind: AggregateKind; key: string; value: object | null}

/**
 * The product's own retry budget (about 20 s). With 3 retries (about 1.4 s) the first transaction on a
 * freshly started broker, busy creating other tests' topics, failed in CI: finding its coordinator
 * waits for __transaction_state to be created and loaded (1.5 s measured here under such a burst).
 */
export function kafkaFor(t: TestEnv): Kafka {
  return createKafka(t.settings.kafka)
}

/** The namespaced, compacted aggregate topics, as the pipeline's topic setup creates them. */
export async function createAggregateTopics(
  kafka: Kafka,
  t: TestEnv,
  kinds: AggregateKind[] = Object.keys(AGGREGATE_TOPICS) as AggregateKind[],
): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const names = topicNames(t.env)
    await ensureTopics(
      admin,
      kinds.map((k) => ({
        topic: names.aggregates[k],
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{name: 'cleanup.policy', value: 'compact'}],
      })),
    )
  } finally {
    await admin.disconnect()
  }
}

/** Produces in one committed transaction, so the topics end in a transaction marker like the aggregator's. */
export async function produceAggregates(kafka: Kafka, t: TestEnv, records: AggregateRecord[]): Promise<void> {
  const names = topicNames(t.env)
  const producer = kafka.producer({
    transactionalId: `${t.namespace}dashboard-test-${Math.random()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  })
  await producer.connect()
  try {
    const tx = await producer.transaction()
    for (const r of records) {
      await tx.send({topic: names.aggregates[r.kind], messages: [{key: r.key, value: r.value === null ? null : JSON.stringify(r.value)}]})
    }
    await tx.commit()
  } finally {
    await producer.disconnect()
  }
}

/** Schema plus 4 voters, 2 candidates and 3 votes in the test's own database. */
export async function seedDatabase(t: TestEnv): Promise<void> {
  const client = new pg.Client({connectionString: t.settings.postgres.url})
  await client.connect()
  try {
    await createSchema(client)
    await client.query(
      `INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ('a', 'Ann', 'Red'), ('b', 'Ben', 'Blue')`,
    )
    await client.query(
      `INSERT INTO voters (voter_id, voter_name, address_state)
       VALUES ('v1', 'V1', 'Kent'), ('v2', 'V2', 'Kent'), ('v3', 'V3', 'Fife'), ('v4', 'V4', 'Fife')`,
    )
    await client.query(
      `INSERT INTO votes (voter_id, candidate_id, voting_time) VALUES ('v1', 'a', now()), ('v2', 'a', now()), ('v3', 'b', now())`,
    )
  } finally {
    await client.end()
  }
}

export const candidate = (id: string, name: string, party: string, votes: number, votingTime = new Date(Date.now() - 40)) => ({
  candidate_id: id,
  candidate_name: name,
  party_affiliation: party,
  photo_url: `https://example.test/${id}.jpg`,
  total_votes: votes,
  last_voting_time: votingTime.toISOString(),
  updated_at: new Date().toISOString(),
})
