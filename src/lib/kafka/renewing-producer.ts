import type {Kafka, Producer, ProducerConfig} from 'kafkajs'

import {anyCause} from './causes.js'

/** The broker's answer when a producer's sequence numbers and the partition leader's disagree (kafkajs may wrap it). */
const isOutOfOrderSequence = (error: unknown) => anyCause(error, ({type}) => type === 'OUT_OF_ORDER_SEQUENCE_NUMBER')

/**
 * An idempotent producer that replaces itself when the broker answers OUT_OF_ORDER_SEQUENCE_NUMBER.
 * kafkajs 2.2.4 never recovers from that answer (tulios/kafkajs#598): once a partition leader
 * moves (a broker of a replicated cluster dies or comes back), every later send fails the same
 * way. A new producer gets a new producer id, whose sequences start again from 0.
 *
 * Only for records that may be sent twice (absolute totals, dead letters): the failed send is
 * rethrown, and the caller's retry goes out through the new producer.
 */
export function renewingProducer(kafka: Kafka, config: ProducerConfig): Producer {
  let current = kafka.producer(config)
  let connected = false
  let renewing: Promise<void> | undefined
  const renew = (failed: Producer) => {
    if (failed !== current) return renewing ?? Promise.resolve()
    const next = kafka.producer(config)
    current = next
    renewing = (async () => {
      await failed.disconnect().catch(() => {})
      if (connected) await next.connect()
    })().finally(() => (renewing = undefined))
    return renewing
  }
  const sending =
    <A extends unknown[], R>(method: (producer: Producer, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await renewing
      const producer = current
      try {
        return await method(producer, ...args)
      } catch (error) {
        if (isOutOfOrderSequence(error)) {
          process.emitWarning("Kafka rejected the producer's sequence numbers (a partition leader moved): sending through a new producer")
          await renew(producer).catch(() => {})
        }
        throw error
      }
    }
  const overrides: Partial<Producer> = {
    async connect() {
      connected = true
      await current.connect()
    },
    async disconnect() {
      connected = false
      await renewing?.catch(() => {})
      await current.disconnect()
    },
    send: sending((producer, record: Parameters<Producer['send']>[0]) => producer.send(record)),
    sendBatch: sending((producer, batch: Parameters<Producer['sendBatch']>[0]) => producer.sendBatch(batch)),
  }
  // Everything else (events, logger, transactions) is the current producer's own.
  return new Proxy(overrides as Producer, {
    get: (target, property, receiver) =>
      property in target ? Reflect.get(target, property, receiver) : Reflect.get(current, property, current),
  })
}
