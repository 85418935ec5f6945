import type {Admin, Kafka} from 'kafkajs'

import type {KafkaSettings} from '../config/settings.js'
import {describeCause, unavailableError} from '../errors.js'
import {createKafka, type KafkaOptions} from './client.js'

/** A connected admin client, or a one-line error naming the brokers tried (well within 30 s). */
export async function connectKafka(settings: KafkaSettings, options: KafkaOptions = {}): Promise<{kafka: Kafka; admin: Admin}> {
  const probe = createKafka(settings, {...options, connectionTimeout: 3000, retries: 3})
  const admin = probe.admin()
  try {
    await admin.connect()
    await admin.describeCluster()
  } catch (error) {
    await admin.disconnect().catch(() => {})
    throw unavailableError(`Kafka at ${settings.brokers.join(',')} is unreachable: ${describeCause(error)}`, error, 'run `election services up`, or check KAFKA_BROKERS')
  }
  return {kafka: createKafka(settings, options), admin}
}
