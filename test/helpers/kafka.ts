import type {Kafka} from 'kafkajs'

/** Every record of a topic (read_committed), read until nothing new arrives for `quietMs`. */
export async function readAll(kafka: Kafka, topic: string, quietMs = 3000): Promise<Array<{key: string; value: string; headers: Record<string, string>}>> {
  const consumer = kafka.consumer({groupId: `${topic}-reader-${Date.now()}-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 100})
  const records: Array<{key: string; value: string; headers: Record<string, string>}> = []
  await consumer.connect()
  await consumer.subscribe({topic, fromBeginning: true})
  let last = Date.now()
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({message}) => {
      last = Date.now()
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))
      records.push({key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers})
    },
  })
  while (Date.now() - last < quietMs) await new Promise((resolve) => setTimeout(resolve, 200))
  await consumer.disconnect()
  return records
}
