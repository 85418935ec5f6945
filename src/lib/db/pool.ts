import pg from 'pg'

import {postgresPoolConfig, type PostgresSettings} from '../config/settings.js'
import {redactUrl} from '../config/redact.js'
import {describeCause, rejectedCertificate, unavailableError} from '../errors.js'
import {retry} from '../retry.js'

// BIGINT counts come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

/** Anything that runs a query: a pool (each statement its own transaction) or a client. */
export type Queryable = Pick<pg.Pool, 'query'>

export function createPool(settings: PostgresSettings, max = 4): pg.Pool {
  // Idle connections stay open until the command ends the pool (every one does). pg closes them
  // after 10 s by default, so a stage that waited that long for records reconnected (SCRAM, a cold
  // backend, every statement planned again) just as they arrived: aggregate's p99 at 1,000 votes/s
  // after 20 s idle, three runs each, 268-291 ms with the default against 184-248 ms without it.
  const pool = new pg.Pool({...postgresPoolConfig(settings), max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 0})
  // A client losing its connection (server restart) must not crash the process: idle clients
  // report on the pool, checked-out ones on themselves; the query in flight rejects and is retried.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

/** Connects once, failing fast with the address when Postgres is not there. */
export async function connectPool(settings: PostgresSettings, max = 4): Promise<pg.Pool> {
  const pool = createPool(settings, max)
  try {
    await retry(() => pool.query('SELECT 1'), {attempts: 3})
  } catch (error) {
    await pool.end().catch(() => {})
    throw unavailableError(`Postgres at ${redactUrl(settings.url)} is unreachable: ${describeCause(error)}`, error, postgresHint(error))
  }
  return pool
}

/** What to change for the failures a TLS-only server gives, else the usual. */
function postgresHint(error: unknown): string {
  if (rejectedCertificate(error))
    return (
      "add sslrootcert=<the CA's PEM file> to DATABASE_URL (or set PGSSLROOTCERT), " +
      'or use sslmode=require to encrypt without checking the certificate'
    )
  if (/no encryption/.test(describeCause(error)))
    return "the server accepts TLS clients only: add sslmode=verify-full and sslrootcert=<the CA's PEM file> to DATABASE_URL"
  return 'run `election services up`, or check DATABASE_URL'
}

export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/** CREATE DATABASE when missing (Postgres has no IF NOT EXISTS for it); the name is ours, never user input. */
export async function ensureDatabase(config: pg.ClientConfig, name: string): Promise<void> {
  const client = new pg.Client(config)
  await client.connect()
  try {
    const {rowCount} = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
}
