import assert from 'node:assert/strict'

import pg from 'pg'

import {kafkaClientConfig, postgresPoolConfig} from '../../../src/lib/config/settings.js'
import {ensureTopics} from '../../../src/lib/kafka/admin.js'
import {createKafka} from '../../../src/lib/kafka/client.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

describe('the started services (real Kafka and Postgres)', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
  })
  after(async () => t?.drop())

  it('creates a topic, produces and consumes with kafkajs', async () => {
    const kafka = createKafka(t.settings.kafka)
    const topic = `${t.namespace}smoke`
    const admin = kafka.admin()
    await admin.connect()
    await ensureTopics(admin, [{topic, numPartitions: 2}])
    const producer = kafka.producer({idempotent: true})
    await producer.connect()
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {key: 'a', value: 'one'},
        {key: 'b', value: 'two'},
      ],
    })
    const consumer = kafka.consumer({groupId: `${t.namespace}smoke-group`})
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: true})
    const seen: string[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({message}) => {
          seen.push(message.value!.toString())
          if (seen.length === 2) resolve()
        },
      })
    })
    assert.deepEqual(seen.sort(), ['one', 'two'])
    const {topics} = await admin.fetchTopicMetadata({topics: [topic]})
    assert.equal(topics[0]?.partitions.length, 2, 'ensureTopics created the topic with the partitions asked for')
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()])
    assert.deepEqual(
      kafkaClientConfig(t.settings.kafka).brokers,
      t.env.KAFKA_BROKERS!.split(','),
      'the client goes to the brokers of the environment',
    )
  })

  it('hides aborted transactions from a read_committed consumer', async () => {
    const kafka = createKafka(t.settings.kafka)
    const topic = `${t.namespace}tx`
    const admin = kafka.admin()
    await admin.connect()
    await ensureTopics(admin, [{topic, numPartitions: 1}])
    const producer = kafka.producer({transactionalId: `${t.namespace}tx-producer`, idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    const committed = await producer.transaction()
    await committed.send({topic, messages: [{value: 'committed-1'}, {value: 'committed-2'}]})
    await committed.commit()
    const aborted = await producer.transaction()
    await aborted.send({topic, messages: [{value: 'aborted'}]})
    await aborted.abort()
    const last = await producer.transaction()
    await last.send({topic, messages: [{value: 'committed-3'}]})
    await last.commit()

    const consumer = kafka.consumer({groupId: `${t.namespace}tx-group`, readUncommitted: false})
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: true})
    const seen: string[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({message}) => {
          seen.push(message.value!.toString())
          if (message.value!.toString() === 'committed-3') resolve()
        },
      })
    })
    assert.deepEqual(seen, ['committed-1', 'committed-2', 'committed-3'])
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()])
  })

  it('runs queries with pg, UTF-8 intact', async () => {
    const client = new pg.Client(postgresPoolConfig(t.settings.postgres))
    await client.connect()
    await client.query('CREATE TABLE smoke (name text)')
    await client.query('INSERT INTO smoke VALUES ($1)', [`O'Brien — Zoë 🗳️`])
    const {rows} = await client.query<{name: string}>('SELECT name FROM smoke')
    assert.equal(rows[0]!.name, `O'Brien — Zoë 🗳️`)
    const {rows: version} = await client.query<{server_version_num: string}>('SHOW server_version_num')
    assert.ok(Number(version[0]!.server_version_num) >= 150000)
    await client.end()
  })
})
