import {readFileSync} from 'node:fs'
import type {KafkaConfig, SASLOptions} from 'kafkajs'
import type {PoolConfig} from 'pg'

import {configError, describeCause, usageError} from '../errors.js'
import {rememberSecrets, urlSecrets} from './redact.js'
import {type ServicesState} from './state.js'

export type Source = 'flag' | 'env' | 'local' | 'docker' | 'default'

/** Matches docker-compose.yml, so `docker compose up -d` needs no configuration. */
export const DEFAULT_BROKERS = 'localhost:9092'
export const DEFAULT_DATABASE_URL = 'postgres://election:election@localhost:5433/election'

export interface ConnectionFlags {
  brokers?: string
  'database-url'?: string
}

export interface KafkaSettings {
  brokers: string[]
  source: Source
  clientId: string
  ssl: boolean
  sslCaFile?: string
  sasl?: {mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string}
}

export interface PostgresSettings {
  url: string
  source: Source
  sslmode: 'disable' | 'prefer' | 'require' | 'no-verify' | 'verify-ca' | 'verify-full'
  /** The CA to trust instead of the system's (libpq's sslrootcert / PGSSLROOTCERT). */
  sslRootCert?: string
}

export interface Settings {
  kafka: KafkaSettings
  postgres: PostgresSettings
}

// The docker-compose password is printed in the README and docker-compose.yml: not a secret,
// and masking the word "election" in every message would garble them all.
const PUBLIC_PASSWORD = new URL(DEFAULT_DATABASE_URL).password

/** How the user names the place a database URL came from, in errors. */
const DATABASE_URL_ORIGIN: Record<Source, string> = {
  flag: '--database-url',
  env: 'DATABASE_URL',
  local: 'the local Postgres address recorded by `election services up`',
  docker: 'the local Postgres address recorded by `election services up`',
  default: 'the default database URL',
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const
const SSL_MODES = ['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const

function pick(flag: string | undefined, envValue: string | undefined, local: {value?: string; source: Source}, fallback: string) {
  // The flags declare the variable as their fallback (oclif `env:`): a flag equal to it came from it, and errors name the variable.
  if (flag && flag !== envValue) return {value: flag, source: 'flag' as Source}
  if (envValue) return {value: envValue, source: 'env' as Source}
  if (local.value) return {value: local.value, source: local.source}
  return {value: fallback, source: 'default' as Source}
}

function localSource(record: ServicesState['kafka'] | ServicesState['postgres']): {value?: string; source: Source} {
  if (!record || record.source === 'env') return {source: 'default'}
  return {value: record.address, source: record.source}
}

/**
 * Every command resolves connections the same way: flag, then environment, then
 * the services `election services up` started, then the docker-compose defaults.
 */
export function resolveSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv, state: ServicesState): Settings {
  const brokers = pick(flags.brokers, env.KAFKA_BROKERS, localSource(state.kafka), DEFAULT_BROKERS)
  const database = pick(flags['database-url'], env.DATABASE_URL, localSource(state.postgres), DEFAULT_DATABASE_URL)
  // Known before anything can fail or be printed, so every output can mask them (see redact.ts).
  const candidateUrls = [flags['database-url'], env.DATABASE_URL, localSource(state.postgres).value]
  const localSecurity = brokers.source === 'local' ? state.kafka?.security : undefined
  rememberSecrets(
    ...candidateUrls.flatMap((url) => (url ? urlSecrets(url) : [])).filter((s) => s !== PUBLIC_PASSWORD),
    env.KAFKA_SASL_PASSWORD,
    state.kafka?.security?.password,
  )
  assertPostgresUrl(database.value, database.source)

  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase()
  if (mechanism && !(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw usageError(`KAFKA_SASL_MECHANISM "${mechanism}" is not supported`, `use one of: ${SASL_MECHANISMS.join(', ')}`)
  }
  if (mechanism && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
    throw usageError(
      'KAFKA_SASL_MECHANISM is set but KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is missing',
      'set both, or unset KAFKA_SASL_MECHANISM',
    )
  }
  const sslmode = (env.PGSSLMODE ?? urlParameter(database.value, 'sslmode') ?? 'disable').toLowerCase()
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw usageError(`PGSSLMODE "${sslmode}" is not supported`, `use one of: ${SSL_MODES.join(', ')}`)
  }

  if (localSecurity && !localSecurity.password && !mechanism) {
    throw configError(
      'the local Kafka asks for a SASL password, but the state folder has none (kafka-password is missing)',
      'restore that file, or set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    )
  }
  // A secured local Kafka (`services up --secure`) needs nothing set; each KAFKA_* variable still wins over what it recorded.
  const sasl = mechanism
    ? {mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username: env.KAFKA_SASL_USERNAME!, password: env.KAFKA_SASL_PASSWORD!}
    : localSecurity && {mechanism: localSecurity.mechanism, username: localSecurity.username, password: localSecurity.password!}

  return {
    kafka: {
      brokers: brokers.value
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      source: brokers.source,
      clientId: env.KAFKA_CLIENT_ID ?? 'election',
      ssl: isTrue(env.KAFKA_SSL) || Boolean(sasl),
      sslCaFile: env.KAFKA_SSL_CA_FILE ?? localSecurity?.caFile,
      sasl: sasl || undefined,
    },
    postgres: {
      url: database.value,
      source: database.source,
      sslmode: sslmode as PostgresSettings['sslmode'],
      sslRootCert: env.PGSSLROOTCERT ?? urlParameter(database.value, 'sslrootcert'),
    },
  }
}

function isTrue(value: string | undefined) {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase())
}

/**
 * A malformed URL fails deep inside pg as a bare "Invalid URL"; name where it came from
 * instead. The value itself is never echoed: it may hold a password we cannot find in it.
 */
function assertPostgresUrl(url: string, source: Source): void {
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    throw usageError(
      `${DATABASE_URL_ORIGIN[source]} is not a valid URL`,
      'use postgres://user@host:5432/database, with :password after the user (percent-encode special characters)',
    )
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw usageError(
      `${DATABASE_URL_ORIGIN[source]} is not a Postgres URL (scheme ${protocol})`,
      'use postgres://user@host:5432/database, with :password after the user',
    )
  }
}

function urlParameter(url: string, name: string): string | undefined {
  try {
    return new URL(url).searchParams.get(name) ?? undefined
  } catch {
    return undefined
  }
}

export function kafkaClientConfig(settings: KafkaSettings): Pick<KafkaConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'> {
  const ssl = settings.ssl ? (settings.sslCaFile ? {ca: [readCaFile(settings.sslCaFile)]} : true) : undefined
  return {
    brokers: settings.brokers,
    clientId: settings.clientId,
    ssl,
    sasl: settings.sasl as SASLOptions | undefined,
  }
}

function readCaFile(file: string, variable = 'KAFKA_SSL_CA_FILE', signed = "the brokers'"): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw usageError(
      `${variable} ${file} cannot be read: ${describeCause(error).replace(/,? open '.*'$/, '')}`,
      `point ${variable} at the PEM file of the CA that signed ${signed} certificates, or unset it to use the system CAs`,
    )
  }
}

export function postgresPoolConfig(settings: PostgresSettings): PoolConfig {
  // pg reads sslmode and sslrootcert from the URL in its own (stricter) way; we strip them and pass ssl explicitly.
  const url = new URL(settings.url)
  url.searchParams.delete('sslmode')
  url.searchParams.delete('sslrootcert')
  if (settings.sslmode === 'disable' || settings.sslmode === 'prefer') return {connectionString: url.toString()}
  const verify = settings.sslmode === 'verify-ca' || settings.sslmode === 'verify-full'
  const ca = verify && settings.sslRootCert ? readCaFile(settings.sslRootCert, 'sslrootcert (or PGSSLROOTCERT)', "the server's") : undefined
  return {
    connectionString: url.toString(),
    ssl: {
      rejectUnauthorized: verify,
      ...(ca ? {ca} : {}),
      // verify-ca trusts any name the CA signed, as libpq does; verify-full also checks the host.
      ...(settings.sslmode === 'verify-ca' ? {checkServerIdentity: () => undefined} : {}),
    },
  }
}

/**
 * The environment that makes a child process resolve the same Kafka as `settings` (brokers, TLS,
 * CA, SASL), whatever the state folder it finds: the demo hands it to vote, aggregate and dashboard.
 */
export function kafkaEnv(settings: KafkaSettings): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: settings.brokers.join(','),
    KAFKA_SSL: settings.ssl ? 'true' : 'false',
    ...(settings.sslCaFile ? {KAFKA_SSL_CA_FILE: settings.sslCaFile} : {}),
    ...(settings.sasl
      ? {
          KAFKA_SASL_MECHANISM: settings.sasl.mechanism,
          KAFKA_SASL_USERNAME: settings.sasl.username,
          KAFKA_SASL_PASSWORD: settings.sasl.password,
        }
      : {}),
  }
}
