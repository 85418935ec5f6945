import pg from 'pg'

import {postgresPoolConfig, type PostgresSettings} from '../config/settings.js'
import {redactUrl} from '../config/redact.js'
import {describeCause, rejectedCertificate, unavailableError} from '../errors.js'
import {failureKind} from './failures.js'

// BIGINT counts come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export function createPool(settings: PostgresSettings, max = 4): pg.Pool {
  const pool = new pg.Pool({...postgresPoolConfig(settings), max, connectionTimeoutMillis: 5000})
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
    await withRetry(() => pool.query('SELECT 1'), {attempts: 3, what: 'Postgres'})
  } catch (error) {
    await pool.end().catch(() => {})
    throw unavailableError(`Postgres at ${redactUrl(settings.url)} is unreachable: ${describeCause(error)}`, error, postgresHint(error))
  }
  return pool
}

/** What to change for the failures a TLS-only server gives, else the usual. */
function postgresHint(error: unknown): string {
  if (rejectedCertificate(error)) return 'add sslrootcert=<the CA\'s PEM file> to DATABASE_URL (or set PGSSLROOTCERT), or use sslmode=require to encrypt without checking the certificate'
  if (/no encryption/.test(describeCause(error))) return 'the server accepts TLS clients only: add sslmode=verify-full and sslrootcert=<the CA\'s PEM file> to DATABASE_URL'
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

/** Connection loss, server restarts, serialization failures and deadlocks are worth another try. */
export function isTransient(error: unknown): boolean {
  return failureKind(error) === 'outage'
}

export interface RetryOptions {
  attempts?: number
  what?: string
  /** Stop retrying once aborted (the process is asked to stop). */
  signal?: AbortSignal
  onRetry?: (error: unknown, attempt: number) => void
}

export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 30
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= attempts || !isTransient(error) || options.signal?.aborted) throw error
      options.onRetry?.(error, attempt)
      await pauseFor(Math.min(200 * 2 ** (attempt - 1), 5000), options.signal)
    }
  }
}

/** Waits, but ends early when the signal aborts: a stop never waits out a backoff. */
export function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
  })
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
