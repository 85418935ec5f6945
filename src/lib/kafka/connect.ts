import type {Admin, Kafka} from 'kafkajs'

import type {KafkaSettings} from '../config/settings.js'
import {describeCause, rejectedCertificate, unavailableError} from '../errors.js'
import {anyCause} from './causes.js'
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
    throw connectionFailure(settings, error)
  }
  return {kafka: createKafka(settings, options), admin}
}

const isSaslFailure = (error: unknown) => anyCause(error, (e) => (e as {name?: string}).name === 'KafkaJSSASLAuthenticationError')
const isClosedConnection = (error: unknown) => anyCause(error, (e) => (e as {name?: string}).name === 'KafkaJSConnectionClosedError')

/**
 * The handshake failures a secured cluster gives, each named for what the user must change:
 * a refused login, a certificate the client does not trust, a TLS listener spoken to in plaintext.
 */
export function connectionFailure(settings: KafkaSettings, error: unknown) {
  const at = `Kafka at ${settings.brokers.join(',')}`
  if (settings.sasl && isSaslFailure(error)) {
    return unavailableError(
      `${at} refused the SASL login of user "${settings.sasl.username}" ` +
        `(${settings.sasl.mechanism.toUpperCase()}): ${describeCause(error)}`,
      error,
      'check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM ' +
        '(for `election services up --secure`, unset them: the state folder has the right ones)',
    )
  }
  if (settings.ssl && rejectedCertificate(error)) {
    return unavailableError(
      `${at} presented a TLS certificate this client does not trust: ${describeCause(error).replace(/^Connection error: /, '')}`,
      error,
      "set KAFKA_SSL_CA_FILE to the PEM file of the CA that signed the brokers' certificates " +
        '(for `election services up --secure`, unset it: the state folder names .election/tls/ca.pem)',
    )
  }
  if (!settings.ssl && isClosedConnection(error)) {
    return unavailableError(
      `${at} closed the connection at the first request: it probably expects TLS (and maybe a SASL login)`,
      error,
      'set KAFKA_SSL=true and KAFKA_SSL_CA_FILE, ' +
        'and KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD if it asks for a login',
    )
  }
  // With TLS or SASL on, a plaintext broker (or the wrong port) fails the same way as no broker.
  const check = settings.sasl
    ? 'KAFKA_BROKERS and the KAFKA_SASL_* settings (SASL turns TLS on)'
    : settings.ssl
      ? 'KAFKA_BROKERS and KAFKA_SSL (the brokers must speak TLS)'
      : 'KAFKA_BROKERS'
  return unavailableError(`${at} is unreachable: ${describeCause(error)}`, error, `run \`election services up\`, or check ${check}`)
}
