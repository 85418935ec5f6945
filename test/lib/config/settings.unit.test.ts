import assert from 'node:assert/strict'

import {
  DEFAULT_BROKERS,
  DEFAULT_DATABASE_URL,
  kafkaClientConfig,
  postgresPoolConfig,
  resolveSettings,
} from '../../../src/lib/config/settings.js'
import type {ServicesState} from '../../../src/lib/config/state.js'

const local: ServicesState = {
  kafka: {source: 'local', address: '127.0.0.1:40001', pid: 1},
  postgres: {source: 'local', address: 'postgres://postgres@127.0.0.1:40002/election', pid: 2},
}

describe('config precedence', () => {
  it('takes the flag over the environment over local services over defaults', () => {
    const env = {KAFKA_BROKERS: 'env:9092', DATABASE_URL: 'postgres://env/db'}
    const flagged = resolveSettings({brokers: 'flag:9092', 'database-url': 'postgres://flag/db'}, env, local)
    assert.deepEqual(flagged.kafka.brokers, ['flag:9092'])
    assert.equal(flagged.kafka.source, 'flag')
    assert.equal(flagged.postgres.url, 'postgres://flag/db')

    const fromEnv = resolveSettings({}, env, local)
    assert.deepEqual([fromEnv.kafka.brokers, fromEnv.kafka.source], [['env:9092'], 'env'])
    assert.deepEqual([fromEnv.postgres.url, fromEnv.postgres.source], ['postgres://env/db', 'env'])

    const fromLocal = resolveSettings({}, {}, local)
    assert.deepEqual([fromLocal.kafka.brokers, fromLocal.kafka.source], [['127.0.0.1:40001'], 'local'])
    assert.equal(fromLocal.postgres.source, 'local')

    const defaults = resolveSettings({}, {}, {})
    assert.deepEqual([defaults.kafka.brokers.join(','), defaults.postgres.url], [DEFAULT_BROKERS, DEFAULT_DATABASE_URL])
    assert.equal(defaults.kafka.source, 'default')
  })

  it('splits a comma-separated broker list', () => {
    assert.deepEqual(resolveSettings({brokers: 'a:1, b:2 ,'}, {}, {}).kafka.brokers, ['a:1', 'b:2'])
  })

  it('reads SASL/TLS for Kafka and sslmode for Postgres', () => {
    const settings = resolveSettings(
      {},
      {
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        DATABASE_URL: 'postgres://h/db?sslmode=verify-full',
      },
      {},
    )
    assert.equal(settings.kafka.ssl, true)
    assert.deepEqual(kafkaClientConfig(settings.kafka).sasl, {mechanism: 'scram-sha-512', username: 'u', password: 'p'})
    assert.deepEqual(postgresPoolConfig(settings.postgres).ssl, {rejectUnauthorized: true})
    assert.equal(postgresPoolConfig(settings.postgres).connectionString, 'postgres://h/db')
    assert.equal(postgresPoolConfig(resolveSettings({}, {PGSSLMODE: 'disable'}, {}).postgres).ssl, undefined)
  })

  it('rejects an unknown SASL mechanism or a mechanism without credentials', () => {
    assert.throws(() => resolveSettings({}, {KAFKA_SASL_MECHANISM: 'gssapi'}, {}), {name: 'ElectionUsageError', message: /not supported/})
    assert.throws(() => resolveSettings({}, {KAFKA_SASL_MECHANISM: 'plain'}, {}), {
      name: 'ElectionUsageError',
      message: /KAFKA_SASL_PASSWORD/,
    })
    assert.throws(() => resolveSettings({}, {PGSSLMODE: 'sometimes'}, {}), {name: 'ElectionUsageError'})
  })
})

describe('configuration errors name the setting, never its secret', () => {
  it('a malformed database URL names DATABASE_URL or --database-url, without echoing the value', () => {
    const malformed = 'postgres://alice:hunter2@db:port/election'
    assert.throws(
      () => resolveSettings({}, {DATABASE_URL: malformed}, {}),
      (error: Error) => {
        assert.equal(error.name, 'ElectionUsageError')
        assert.match(error.message, /^DATABASE_URL is not a valid URL$/)
        return true
      },
    )
    assert.throws(() => resolveSettings({'database-url': malformed}, {DATABASE_URL: 'postgres://h/db'}, {}), {
      message: /^--database-url is not a valid URL$/,
    })
    assert.throws(() => resolveSettings({}, {DATABASE_URL: 'mysql://u@h/db'}, {}), {
      name: 'ElectionUsageError',
      message: /DATABASE_URL is not a Postgres URL/,
    })
  })

  it('an unreadable KAFKA_SSL_CA_FILE is a usage error naming it and the path', () => {
    const settings = resolveSettings({}, {KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem'}, {})
    assert.throws(() => kafkaClientConfig(settings.kafka), {
      name: 'ElectionUsageError',
      message: /^KAFKA_SSL_CA_FILE \/nonexistent\/ca\.pem cannot be read: ENOENT: no such file or directory$/,
    })
  })
})
