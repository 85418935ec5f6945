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
    // With TLS or SASL on, a plaintext broker (or the wrong port) fails the same way as no broker.
    const check = settings.sasl ? 'KAFKA_BROKERS and the KAFKA_SASL_* settings (SASL turns TLS on)' : settings.ssl ? 'KAFKA_BROKERS and KAFKA_SSL (the brokers must speak TLS)' : 'KAFKA_BROKERS'
    throw unavailableError(`Kafka at ${settings.brokers.join(',')} is unreachable: ${describeCause(error)}`, error, `run \`election services up\`, or check ${check}`)
  }
  return {kafka: createKafka(settings, options), admin}
}
