import assert from 'node:assert/strict'

import {createPool} from '../../../src/lib/db/pool.js'
import {topicNames} from '../../../src/lib/kafka/topics.js'
import {readSnapshot} from '../../../src/lib/dashboard/snapshot.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'
import {candidate, createAggregateTopics, kafkaFor, produceAggregates, seedDatabase} from './kafka-fixtures.js'

describe('dashboard snapshot (read to the end once)', () => {
  let t: TestEnv
  beforeEach(async () => {
    t = await freshEnv()
    await seedDatabase(t)
  })
  afterEach(async () => {
    await t.drop()
  })

  it('reaches the end of topics ending in commit and abort markers without waiting for the idle timeout', async () => {
    const kafka = kafkaFor(t)
    await createAggregateTopics(kafka, t)
    await produceAggregates(kafka, t, [{kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 4)}])
    // An aborted transaction: its record is hidden from read_committed, its marker still moves the end.
    const producer = kafka.producer({transactionalId: `${t.namespace}aborting`, idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    const tx = await producer.transaction()
    await tx.send({
      topic: topicNames(t.env).aggregates.candidate,
      messages: [{key: 'a', value: JSON.stringify(candidate('a', 'Ann', 'Red', 999))}],
    })
    await tx.abort()
    await producer.disconnect()

    const admin = kafka.admin()
    await admin.connect()
    const pool = createPool(t.settings.postgres, 1)
    try {
      const started = Date.now()
      const s = await readSnapshot(kafka, admin, pool, topicNames(t.env), t.namespace, {idleMs: 60_000})
      assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms: it waited for the idle timeout`)
      assert.equal(s.leader?.total_votes, 4, 'the aborted 999 is not read')
      assert.equal(s.totals.votes, 3)
    } finally {
      await admin.disconnect()
      await pool.end()
    }
  })
})
