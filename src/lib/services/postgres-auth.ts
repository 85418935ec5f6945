import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import pg from 'pg'

import {writePrivateFile} from '../config/state.js'
import {unavailableError} from '../errors.js'
import type {Owner} from './postgres-home.js'
import {waitUntilHealthy} from './probe.js'

/** The superuser role of the local cluster. */
export const SUPERUSER = 'postgres'

/** 24 random bytes as 32 URL-safe characters: it goes into a connection URL without escaping. */
export const newPassword = () => randomBytes(24).toString('base64url')

/**
 * The local server's address. With `caFile` (`services up --secure`) clients speak TLS and check
 * the certificate and the host name against that CA, as libpq's sslmode=verify-full does.
 */
export const superuserUrl = (port: number, database: string, password = '', caFile?: string) =>
  `postgres://${SUPERUSER}${password ? `:${password}` : ''}@127.0.0.1:${port}/${database}` +
  (caFile ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}` : '')

/** A rule for TCP clients: `host` lets them in with or without TLS, `hostssl` with TLS only. */
const TCP_RULE = /^(\s*)host(?:ssl)?(\s)/

/**
 * Lets TCP clients in only over TLS (`hostssl`), or again without (`host`). Returns whether the
 * file changed; the server reads it at its next start or reload.
 */
export async function requireTls(dataDir: string, tls: boolean, owner: Owner | undefined): Promise<boolean> {
  const before = await readFile(hbaFile(dataDir), 'utf8')
  const after = before
    .split('\n')
    .map((line) => line.replace(TCP_RULE, `$1host${tls ? 'ssl' : ''}$2`))
    .join('\n')
  if (after === before) return false
  await writePrivateFile(hbaFile(dataDir), after, owner)
  return true
}

const hbaFile = (dataDir: string) => path.join(dataDir, 'pg_hba.conf')
/** An active pg_hba.conf rule (not a comment) whose method is `trust`. */
const TRUST_RULE = /^(\s*[^#\s].*\s)trust(\s*)$/

/** Whether pg_hba.conf lets anyone in without a password, as in clusters earlier versions initialised with --auth=trust. */
export async function trustsAnyone(dataDir: string): Promise<boolean> {
  return (await readFile(hbaFile(dataDir), 'utf8')).split('\n').some((line) => TRUST_RULE.test(line))
}

/**
 * Makes a cluster that trusts everyone ask for the password: sets the password over a
 * connection that trust still allows, then rewrites pg_hba.conf to scram-sha-256 and
 * reloads. In that order, so that a crash half-way leaves a cluster we can still enter.
 * Returns whether anything had to change.
 */
export async function requirePassword(
  dataDir: string,
  port: number,
  password: string,
  owner: Owner | undefined,
  ssl?: pg.ClientConfig['ssl'],
): Promise<boolean> {
  if (!(await trustsAnyone(dataDir))) return false
  const client = new pg.Client({connectionString: superuserUrl(port, 'postgres'), ssl})
  await client.connect()
  try {
    await client.query(`SET password_encryption = 'scram-sha-256'`)
    await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(password)}`)
    const rules = (await readFile(hbaFile(dataDir), 'utf8')).split('\n').map((line) => line.replace(TRUST_RULE, '$1scram-sha-256$2'))
    await writePrivateFile(hbaFile(dataDir), rules.join('\n'), owner)
    await client.query('SELECT pg_reload_conf()')
  } finally {
    await client.end()
  }
  // The postmaster reads pg_hba.conf again a moment after the reload request.
  const locked = await waitUntilHealthy(async () => ({healthy: !(await entersWithoutPassword(port, ssl))}), 10_000, 100)
  if (!locked.healthy)
    throw unavailableError(
      `the local Postgres on port ${port} still lets clients in without a password after pg_hba.conf was rewritten`,
      undefined,
      `see ${hbaFile(dataDir)}`,
    )
  return true
}

async function entersWithoutPassword(port: number, ssl?: pg.ClientConfig['ssl']): Promise<boolean> {
  const client = new pg.Client({connectionString: superuserUrl(port, 'postgres'), ssl, connectionTimeoutMillis: 5000})
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}
