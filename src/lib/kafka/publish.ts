import type {Producer} from 'kafkajs'

/** Sends the items as JSON, each keyed by `key` (acks=all); nothing at all for none. */
export async function publishKeyed<T>(producer: Producer, topic: string, items: T[], key: (item: T) => string): Promise<void> {
  if (items.length === 0) return
  await producer.send({topic, acks: -1, messages: items.map((item) => ({key: key(item), value: JSON.stringify(item)}))})
}
