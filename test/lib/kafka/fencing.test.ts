import assert from 'node:assert/strict'

import type {Admin, Kafka} from 'kafkajs'

import {createKafka} from '../../../src/lib/kafka/client.js'
import {PartitionProducers} from '../../../src/lib/kafka/fencing.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

/**
 * The floor of PartitionProducers (records below it are done) against the real broker. A member
 * that committed a chunk and then rejoins the group (a rebalance) may be told the offset from
 * before that commit: EndTxn answers before the commit's markers reach __consumer_offsets, and
 * kafkajs' OffsetFetch cannot ask for stable offsets. kafkajs then fetches the committed chunk
 * again, and only the floor keeps it from being published twice (seen: 50 voters twice on
 * votes_topic after the zombie scenario under load).
 */
describe("kafka: the floor of a partition's transactional producer", function () {
  this.timeout(120_000)
  let t: TestEnv
  let kafka: Kafka
  let admin: Admin
  let topic: string
  let group: string
  const members: PartitionProducers[] = []
  const member = () => {
    const m = new PartitionProducers(kafka, admin, group, topic, {confirmations: 0}, (p) => `${group}-${topic}-${p}`)
    members.push(m)
    return m
  }
  /** One chunk's transaction: a record, and the partition's offset for the group. */
  const commit = async (m: PartitionProducers, partition: number, nextOffset: number, offsetsGroup = group) => {
    const transaction = await (await m.acquire(partition)).producer.transaction()
    await transaction.send({topic, messages: [{key: String(nextOffset), value: 'x'}]})
    await transaction.sendOffsets({consumerGroupId: offsetsGroup, topics: [{topic, partitions: [{partition, offset: String(nextOffset)}]}]})
    await transaction.commit()
  }

  before(async () => {
    t = await freshEnv()
    kafka = createKafka(t.settings.kafka)
    admin = kafka.admin()
    await admin.connect()
    topic = `${t.namespace}floor`
    group = `${t.namespace}floor-group`
    await admin.createTopics({topics: [{topic, numPartitions: 2}], waitForLeaders: true})
  })
  after(async () => {
    await Promise.all(members.map((m) => m.disconnectAll()))
    await admin?.disconnect()
    await t?.drop()
  })

  it('moves with every transaction the producer commits, whatever the group reports just after', async () => {
    const m = member()
    assert.equal((await m.acquire(0)).committedOffset, 0n)
    for (const next of [25, 50, 75]) {
      await commit(m, 0, next)
      // What a rebalance right now would read may still be the previous offset; the floor may not.
      assert.equal((await m.acquire(0)).committedOffset, BigInt(next))
    }
    // Offsets of another partition, or of another group, are not this partition's floor.
    await commit(m, 0, 90, `${group}-other`)
    assert.equal((await m.acquire(0)).committedOffset, 75n)
    await commit(m, 1, 10)
    assert.equal((await m.acquire(0)).committedOffset, 75n)
    assert.equal((await m.acquire(1)).committedOffset, 10n)
  })

  it('an aborted transaction leaves the floor where it was', async () => {
    const m = member()
    const {producer, committedOffset} = await m.acquire(0)
    const transaction = await producer.transaction()
    await transaction.sendOffsets({
      consumerGroupId: group,
      topics: [{topic, partitions: [{partition: 0, offset: String(committedOffset + 100n)}]}],
    })
    await transaction.abort()
    assert.equal((await m.acquire(0)).committedOffset, committedOffset)
  })

  it("a new owner's floor holds what the previous owner committed just before (its initialisation waits for that commit)", async () => {
    let previous = member()
    let next = Number((await previous.acquire(0)).committedOffset)
    for (let i = 0; i < 10; i++) {
      next += 25
      await commit(previous, 0, next)
      const owner = member()
      assert.equal((await owner.acquire(0)).committedOffset, BigInt(next), `handover ${i + 1}`)
      await previous.disconnectAll()
      previous = owner
    }
  })
})
