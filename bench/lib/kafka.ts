import {Kafka, logLevel, type Admin} from 'kafkajs'

/** Small kafkajs helpers for the harness: offsets to sample, topics and groups to clean up. */
export class KafkaProbe {
  readonly kafka: Kafka
  readonly admin: Admin

  constructor(readonly brokers: string[]) {
    this.kafka = new Kafka({brokers, clientId: 'election-bench', logLevel: logLevel.NOTHING})
    this.admin = this.kafka.admin()
  }

  connect = () => this.admin.connect()
  disconnect = () => this.admin.disconnect()

  /** Sum of a group's committed offsets on a topic (0 before its first commit). */
  async committed(groupId: string, topic: string): Promise<number> {
    const [entry] = await this.admin.fetchOffsets({groupId, topics: [topic]})
    return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)
  }

  /** High watermark of every partition of a topic. */
  async highWatermarks(topic: string): Promise<Array<{partition: number; offset: string}>> {
    return (await this.admin.fetchTopicOffsets(topic)).map((o) => ({partition: o.partition, offset: o.high}))
  }

  /** Moves a group without members to the given offsets, e.g. to drain the same backlog again. */
  async setOffsets(groupId: string, topic: string, partitions: Array<{partition: number; offset: string}>): Promise<void> {
    await this.admin.setOffsets({groupId, topic, partitions})
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    await this.admin.createTopics({topics: [{topic, numPartitions: partitions, replicationFactor: 1}], waitForLeaders: true})
  }

  /** Resolves once the group has a member holding partitions (Stable), or after timeoutMs. */
  async waitForMember(groupId: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const {groups} = await this.admin.describeGroups([groupId])
      if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) return
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    throw new Error(`consumer group ${groupId} got no member within ${timeoutMs / 1000} s`)
  }

  /** Size in bytes of the first record on a topic (read_committed). */
  async firstRecordBytes(topic: string, groupId: string, timeoutMs = 20_000): Promise<number> {
    const consumer = this.kafka.consumer({groupId, readUncommitted: false, maxWaitTimeInMs: 100})
    try {
      await consumer.connect()
      await consumer.subscribe({topic, fromBeginning: true})
      return await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no record on ${topic} within ${timeoutMs / 1000} s`)), timeoutMs)
        void consumer.run({
          eachMessage: async ({message}) => {
            clearTimeout(timer)
            resolve((message.value?.length ?? 0) + (message.key?.length ?? 0))
          },
        })
      })
    } finally {
      await consumer.disconnect().catch(() => {})
    }
  }

  /** Deletes every topic and consumer group whose name starts with the namespace. */
  async deleteNamespace(prefix: string): Promise<{topics: number; groups: number}> {
    const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(prefix))
    if (topics.length) await this.admin.deleteTopics({topics, timeout: 30_000})
    const groups = (await this.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix))
    if (groups.length) await this.admin.deleteGroups(groups).catch(() => [])
    return {topics: topics.length, groups: groups.length}
  }
}
