import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {kafkaPasswordFile, readKafkaPassword, writePrivateFile, type KafkaSecurityRecord} from '../config/state.js'
import {configError} from '../errors.js'
import type {BrokerSecurity} from './kafka-local.js'
import {newPassword} from './postgres-auth.js'
import {brokerKeystore, ensureCertificates} from './tls.js'

/** The SCRAM user of a secured local Kafka: the brokers log in to each other with it too. */
export const SECURE_USERNAME = 'election'

/** How the local Kafka in a state folder was formatted: with `--secure` (SASL_SSL), plaintext, or not yet. */
export type KafkaTransport = 'secure' | 'plaintext' | 'none'

/** The config of the first formatted node (one broker: kafka/, a cluster: kafka/node-N) says which listener it was made with. */
export function formattedTransport(dir: string): KafkaTransport {
  const homes = [path.join(dir, 'kafka'), ...[1, 2, 3].map((n) => path.join(dir, 'kafka', `node-${n}`))]
  for (const home of homes) {
    if (!existsSync(path.join(home, 'data', 'meta.properties'))) continue
    const config = readFileSync(path.join(home, 'server.properties'), 'utf8')
    return /^listeners=SASL_SSL:/m.test(config) ? 'secure' : 'plaintext'
  }
  return 'none'
}

/**
 * Whether `up` runs the local Kafka secured: as asked the first time, then as its storage was
 * formatted (the SCRAM user exists only in a cluster formatted with it). Asking for --secure on
 * a plaintext one is refused rather than silently ignored.
 */
export function secureLocalKafka(dir: string, requested: boolean): boolean {
  const transport = formattedTransport(dir)
  if (transport === 'none') return requested
  if (requested && transport === 'plaintext') {
    throw configError(
      `${dir} holds a plaintext local Kafka: its SCRAM user can only be made when its storage is formatted`,
      `run \`election services down\`, remove ${path.join(dir, 'kafka')} (its topics go with it), then \`election services up --secure\``,
    )
  }
  return transport === 'secure'
}

/**
 * What a secured broker needs (certificates, the SCRAM user's password, a keystore under a new
 * password) and what clients need (the record in services.json; the password stays in its own
 * 0600 file). The password is made once, before the storage is formatted with it.
 */
export async function prepareBrokerSecurity(dir: string): Promise<{broker: BrokerSecurity; record: KafkaSecurityRecord}> {
  const tls = await ensureCertificates(dir)
  let password = await readKafkaPassword(dir)
  if (!password) {
    if (formattedTransport(dir) === 'secure') {
      throw configError(
        `the local Kafka in ${path.join(dir, 'kafka')} has a SCRAM user, but ${kafkaPasswordFile(dir)} is missing`,
        `restore that file, or remove ${path.join(dir, 'kafka')} to start with no topics`,
      )
    }
    password = newPassword()
    await writePrivateFile(kafkaPasswordFile(dir), `${password}\n`)
  }
  const keystorePassword = newPassword()
  const keystore = await brokerKeystore(dir, keystorePassword)
  return {
    broker: {keystore, keystorePassword, caFile: tls.caFile, username: SECURE_USERNAME, password},
    record: {protocol: 'SASL_SSL', mechanism: 'scram-sha-512', username: SECURE_USERNAME, caFile: tls.caFile, password},
  }
}
