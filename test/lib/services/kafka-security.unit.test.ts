import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {kafkaClientConfig, postgresPoolConfig, resolveSettings} from '../../../src/lib/config/settings.js'
import type {ServicesState} from '../../../src/lib/config/state.js'
import {ElectionError} from '../../../src/lib/errors.js'
import {serverProperties, type BrokerSecurity} from '../../../src/lib/services/kafka-local.js'
import {formattedTransport, secureLocalKafka} from '../../../src/lib/services/kafka-security.js'

const security: BrokerSecurity = {
  keystore: '/s/tls/broker.p12',
  keystorePassword: 'ks-pass',
  caFile: '/s/tls/ca.pem',
  username: 'election',
  password: 'scram-pass',
}
const node = {nodeId: 1, home: '/s/kafka', dataDir: '/s/kafka/data', port: 1001, controllerPort: 2001}
const parse = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => l.split(/=(.*)/).slice(0, 2)),
  )

describe('secured broker configuration', () => {
  it('has one client listener, SASL_SSL with SCRAM-SHA-512, used between brokers too; the controller stays on 127.0.0.1', () => {
    const c = parse(serverProperties(node, '1@127.0.0.1:2001', 1, security))
    assert.equal(c.listeners, 'SASL_SSL://127.0.0.1:1001,CONTROLLER://127.0.0.1:2001')
    assert.equal(c['advertised.listeners'], 'SASL_SSL://127.0.0.1:1001')
    assert.equal(c['inter.broker.listener.name'], 'SASL_SSL')
    assert.equal(c['listener.security.protocol.map'], 'SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT')
    assert.equal(c['sasl.enabled.mechanisms'], 'SCRAM-SHA-512')
    assert.equal(c['sasl.mechanism.inter.broker.protocol'], 'SCRAM-SHA-512')
    assert.match(
      c['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config']!,
      /ScramLoginModule required username="election" password="scram-pass";$/,
    )
    assert.deepEqual(
      [c['ssl.keystore.location'], c['ssl.keystore.password'], c['ssl.truststore.location']],
      ['/s/tls/broker.p12', 'ks-pass', '/s/tls/ca.pem'],
    )
  })

  it('without security the listener is plaintext and no SASL or TLS setting is written', () => {
    const text = serverProperties(node, '1@127.0.0.1:2001', 1)
    assert.equal(parse(text).listeners, 'PLAINTEXT://127.0.0.1:1001,CONTROLLER://127.0.0.1:2001')
    assert.doesNotMatch(text, /sasl|ssl\./)
  })
})

describe('a state folder stays as its Kafka was formatted', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'election-transport-'))
  })
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  const formatted = async (home: string, properties: string) => {
    await mkdir(path.join(dir, home, 'data'), {recursive: true})
    await writeFile(path.join(dir, home, 'data', 'meta.properties'), 'cluster.id=x\n')
    await writeFile(path.join(dir, home, 'server.properties'), properties)
  }

  it('a new folder is secured only when asked', () => {
    assert.equal(formattedTransport(dir), 'none')
    assert.equal(secureLocalKafka(dir, true), true)
    assert.equal(secureLocalKafka(dir, false), false)
  })

  it('a secured one stays secured without --secure (single broker or cluster)', async () => {
    await formatted(path.join('kafka', 'node-1'), serverProperties(node, '1@a', 3, security))
    assert.equal(formattedTransport(dir), 'secure')
    assert.equal(secureLocalKafka(dir, false), true)
  })

  it('--secure on a plaintext one is refused in one line that says what to remove', async () => {
    await formatted('kafka', serverProperties(node, '1@a', 1))
    assert.equal(secureLocalKafka(dir, false), false)
    assert.throws(
      () => secureLocalKafka(dir, true),
      (error: ElectionError) =>
        error.exitCode === 3 &&
        /plaintext local Kafka/.test(error.message) &&
        !error.message.includes('\n') &&
        /remove .*kafka/.test(error.suggestions[0]!),
    )
  })
})

describe('clients of a secured local Kafka and Postgres', () => {
  const state: ServicesState = {
    kafka: {
      source: 'local',
      address: '127.0.0.1:40001',
      security: {protocol: 'SASL_SSL', mechanism: 'scram-sha-512', username: 'election', caFile: '/s/tls/ca.pem', password: 'scram-pass'},
    },
    postgres: {
      source: 'local',
      address: 'postgres://postgres:pw@127.0.0.1:40002/election?sslmode=verify-full&sslrootcert=%2Fs%2Ftls%2Fca.pem',
    },
  }

  it('need nothing configured: SASL_SSL with the recorded user and CA, Postgres verify-full with the recorded CA', () => {
    const settings = resolveSettings({}, {}, state)
    assert.equal(settings.kafka.ssl, true)
    assert.equal(settings.kafka.sslCaFile, '/s/tls/ca.pem')
    assert.deepEqual(settings.kafka.sasl, {mechanism: 'scram-sha-512', username: 'election', password: 'scram-pass'})
    assert.equal(settings.postgres.sslmode, 'verify-full')
    assert.equal(settings.postgres.sslRootCert, '/s/tls/ca.pem')
  })

  it('still let each KAFKA_* variable win, and ignore the local security for another cluster', () => {
    const overridden = resolveSettings(
      {},
      {
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'other',
        KAFKA_SASL_PASSWORD: 'secret',
        KAFKA_SSL_CA_FILE: '/other/ca.pem',
      },
      state,
    )
    assert.deepEqual([overridden.kafka.sasl?.username, overridden.kafka.sslCaFile], ['other', '/other/ca.pem'])
    const elsewhere = resolveSettings({}, {KAFKA_BROKERS: 'kafka:9092'}, state)
    assert.deepEqual([elsewhere.kafka.ssl, elsewhere.kafka.sasl, elsewhere.kafka.sslCaFile], [false, undefined, undefined])
    assert.equal(kafkaClientConfig(elsewhere.kafka).ssl, undefined)
  })

  it('refuse to run with a recorded SASL user whose password file is gone', () => {
    const lost: ServicesState = {...state, kafka: {...state.kafka!, security: {...state.kafka!.security!, password: undefined}}}
    assert.throws(
      () => resolveSettings({}, {}, lost),
      (error: ElectionError) => error.exitCode === 3 && /kafka-password/.test(error.message),
    )
  })

  it('verify-ca trusts the CA without checking the host name; verify-full checks both; sslrootcert never reaches pg', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'election-ca-'))
    try {
      const ca = path.join(dir, 'ca.pem')
      await writeFile(ca, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n')
      const url = `postgres://u@h/db?sslrootcert=${encodeURIComponent(ca)}`
      const full = postgresPoolConfig(resolveSettings({}, {DATABASE_URL: `${url}&sslmode=verify-full`}, {}).postgres)
      const caOnly = postgresPoolConfig(resolveSettings({}, {DATABASE_URL: `${url}&sslmode=verify-ca`}, {}).postgres)
      assert.equal(full.connectionString, 'postgres://u@h/db')
      const fullSsl = full.ssl as {rejectUnauthorized: boolean; ca: string; checkServerIdentity?: unknown}
      const caSsl = caOnly.ssl as {rejectUnauthorized: boolean; ca: string; checkServerIdentity?: () => unknown}
      assert.deepEqual(
        [fullSsl.rejectUnauthorized, fullSsl.ca.includes('not checked here'), fullSsl.checkServerIdentity],
        [true, true, undefined],
      )
      assert.deepEqual([caSsl.rejectUnauthorized, caSsl.checkServerIdentity?.()], [true, undefined])
      assert.equal(typeof caSsl.checkServerIdentity, 'function')
      assert.throws(
        () =>
          postgresPoolConfig(
            resolveSettings({}, {DATABASE_URL: 'postgres://u@h/db?sslmode=verify-full', PGSSLROOTCERT: path.join(dir, 'missing.pem')}, {})
              .postgres,
          ),
        /PGSSLROOTCERT/,
      )
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
