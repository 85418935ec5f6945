import assert from 'node:assert/strict'

import {createPool} from '../../../src/lib/db/pool.js'
import {createKafka} from '../../../src/lib/kafka/client.js'
import {topicNames} from '../../../src/lib/kafka/topics.js'
import {DashboardFeed} from '../../../src/lib/dashboard/feed.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'
import {eventually} from './fixtures.js'
import {candidate, createAggregateTopics, kafkaFor, produceAggregates, seedDatabase} from './kafka-fixtures.js'

describe('dashboard feed (real Kafka and Postgres)', () => {
  let t: TestEnv
  let feed: DashboardFeed | undefined
  beforeEach(async () => {
    t = await freshEnv()
  })
  afterEach(async () => {
    await feed?.stop()
    feed = undefined
    await t.drop()
  })

  function startFeed(kafkaBrokers?: string) {
    const settings = kafkaBrokers ? {...t.settings.kafka, brokers: [kafkaBrokers]} : t.settings.kafka
    const pool = createPool(t.settings.postgres, 2)
    feed = new DashboardFeed({
      kafka: createKafka(settings, {connectionTimeout: 1000, retries: 1}),
      pool,
      topics: topicNames(t.env),
      namespace: t.namespace,
      pollMs: 500,
    })
    const stop = feed.stop.bind(feed)
    feed.stop = async () => {
      await stop()
      await pool.end()
    }
    feed.start()
    return feed
  }

  it('tails the aggregate topics live: a new record is pushed to subscribers, counts are polled', async () => {
    await seedDatabase(t)
    const kafka = kafkaFor(t)
    await createAggregateTopics(kafka, t)
    await produceAggregates(kafka, t, [{kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 1)}])
    const f = startFeed()
    await eventually(() => assert.equal(f.snapshot().leader?.total_votes, 1), 20_000, 50)
    assert.deepEqual(f.snapshot().totals, {voters: 4, candidates: 2, votes: 3, counted: 1, turnoutPct: 75})
    assert.equal(f.snapshot().connection.kafka.status, 'connected')

    // Pushed to subscribers as the record arrives (the feed tails the topic; only counts are polled).
    const seen = new Promise<number | undefined>((resolve) => {
      const off = f.subscribe(() => {
        if (f.snapshot().leader?.total_votes === 7) {
          off()
          resolve(f.snapshot().leader?.total_votes)
        }
      })
    })
    await produceAggregates(kafka, t, [{kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 7)}])
    assert.equal(await seen, 7)
    assert.equal(f.snapshot().candidates.length, 1, 'the new value replaced the old one')
  })

  it('picks up aggregate topics created after it started', async () => {
    await seedDatabase(t)
    const f = startFeed()
    await eventually(() => assert.equal(f.snapshot().connection.kafka.detail, 'no aggregate topics yet'), 10_000, 50)
    const kafka = kafkaFor(t)
    await createAggregateTopics(kafka, t)
    await produceAggregates(kafka, t, [
      {kind: 'location', key: 'Kent', value: {state: 'Kent', count: 5, updated_at: new Date().toISOString()}},
    ])
    await eventually(
      () =>
        assert.deepEqual(
          f.snapshot().locations.map((l) => l.count),
          [5],
        ),
      30_000,
      100,
    )
  })

  it('an unreachable broker becomes the connection state, and stop() still ends cleanly', async () => {
    await seedDatabase(t)
    const f = startFeed('127.0.0.1:1')
    await eventually(() => assert.equal(f.snapshot().connection.kafka.status, 'unreachable'), 15_000, 50)
    assert.match(f.snapshot().connection.kafka.detail ?? '', /ECONNREFUSED|Connection/)
    assert.equal(f.snapshot().connection.postgres.status, 'connected')
    await f.stop()
    feed = undefined
  })
})
