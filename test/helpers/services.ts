import {randomBytes} from 'node:crypto'
import {stat} from 'node:fs/promises'

import pg from 'pg'

import {postgresPoolConfig, resolveSettings, type Settings} from '../../src/lib/config/settings.js'
import {readState, stateDir} from '../../src/lib/config/state.js'
import {createSchema} from '../../src/lib/db/schema.js'
import {createKafka} from '../../src/lib/kafka/client.js'

/**
 * The resolved settings of the services the suite brought up (real password, not the redacted one),
 * or of those `servicesEnv` names (its ELECTION_HOME, KAFKA_BROKERS, DATABASE_URL).
 */
export async function baseSettings(servicesEnv: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  return resolveSettings({}, servicesEnv, await readState(stateDir(servicesEnv)))
}

export interface TestEnv {
  env: NodeJS.ProcessEnv
  settings: Settings
  namespace: string
  database: string
  drop(): Promise<void>
}

/**
 * A fresh database and a topic/group namespace per test, so tests never see each
 * other's data on the shared broker and server (the suite's, or those `servicesEnv` names).
 */
export async function freshEnv(servicesEnv?: NodeJS.ProcessEnv): Promise<TestEnv> {
  const base = await baseSettings(servicesEnv)
  const id = randomBytes(4).toString('hex')
  const database = `election_test_${id}`
  const admin = new pg.Client({connectionString: base.postgres.url})
  await admin.connect()
  await admin.query(`CREATE DATABASE ${database}`)
  await admin.end()
  const url = new URL(base.postgres.url)
  url.pathname = `/${database}`
  const namespace = `t${id}.`
  const env = {
    ...process.env,
    KAFKA_BROKERS: base.kafka.brokers.join(','),
    DATABASE_URL: url.toString(),
    ELECTION_NAMESPACE: namespace,
    NO_COLOR: '1',
  }
  const settings = resolveSettings({}, env, {})
  return {
    env,
    settings,
    namespace,
    database,
    async drop() {
      const client = new pg.Client({connectionString: base.postgres.url})
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await client.end()
      await deleteNamespaceTopics(base, namespace)
    },
  }
}

/** A database of the pipeline's tables, for tests of the SQL alone. */
export interface Tables {
  pool: pg.Pool
  /** Ends the pool and drops the database. */
  drop(): Promise<void>
}

/** A fresh database (freshEnv) holding the pipeline's tables, empty, and a pool on it. */
export async function freshTables(): Promise<Tables> {
  const t = await freshEnv()
  const pool = new pg.Pool(postgresPoolConfig(t.settings.postgres))
  const client = await pool.connect()
  try {
    await createSchema(client)
  } finally {
    client.release()
  }
  return {
    pool,
    async drop() {
      await pool.end()
      await t.drop()
    },
  }
}

/**
 * The namespace's topics go with its database: kept, one run of the suite left 500 topics (1,500
 * partitions) on the shared broker, and every later run on the same services found the broker slower.
 * Best effort: a test that ends with the broker gone (the fault tests restart it first) loses nothing by it.
 */
async function deleteNamespaceTopics(base: Settings, namespace: string): Promise<void> {
  const admin = createKafka(base.kafka, {connectionTimeout: 3000, retries: 1}).admin()
  try {
    await admin.connect()
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace))
    if (topics.length > 0) await admin.deleteTopics({topics, timeout: 10_000})
  } catch {
    // see above
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

export const modeOf = async (file: string) => (await stat(file)).mode & 0o777

/** Connects and runs one query; resolves to the error when the server (or the driver) refuses. */
export async function tryConnect(config: pg.ClientConfig): Promise<Error | undefined> {
  const client = new pg.Client({...config, connectionTimeoutMillis: 5000})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error as Error
  } finally {
    await client.end().catch(() => {})
  }
}
