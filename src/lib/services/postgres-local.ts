import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {postgresPasswordFile, readPostgresPassword, writePrivateFile} from '../config/state.js'
import {ensureDatabase} from '../db/pool.js'
import {configError, unavailableError} from '../errors.js'
import {serverBinaries, type Binaries} from './postgres-binaries.js'
import {postgresPoolConfig} from '../config/settings.js'
import {newPassword, requirePassword, requireTls, superuserUrl, SUPERUSER, trustsAnyone} from './postgres-auth.js'
import {ensureCertificates, postgresCertificates} from './tls.js'
import {homeOf, insideStateDir, moveCluster, postgresHome, serverOwner, type Owner, type PostgresHome} from './postgres-home.js'
import {freePort, stopPid} from './process.js'

const run = promisify(execFile)

export const LOCAL_DATABASE = 'election'

export interface LocalPostgres {
  /** Started with TLS on and plaintext TCP clients refused (`services up --secure`). */
  tls: boolean
  pid: number
  port: number
  /** With the password: what every command connects with (services.json keeps it without). */
  url: string
  version: string
  dataDir: string
  /** Already running (for example from an earlier `up`): adopted, not started. */
  adopted: boolean
}

/** How the server's programs are run: as its user (when we are root), from its home. */
type RunAs = Partial<Owner> & {cwd: string; timeout: number}

const initialised = (home: PostgresHome) => existsSync(path.join(home.dataDir, 'PG_VERSION'))

/**
 * initdb once (password authentication, the password generated and kept in the state
 * folder), then `pg_ctl start` (which detaches), then CREATE DATABASE election. A cluster
 * from an earlier version is moved where the server's user can reach it and given a password.
 */
export async function startLocalPostgres(
  dir: string,
  previous: {port?: number; dataDir?: string; tls?: boolean} | undefined,
  onStep?: (m: string) => void,
  tls = false,
): Promise<LocalPostgres> {
  const owner = await serverOwner()
  const bin = await serverBinaries(owner)
  const home = await postgresHome(dir, owner)
  const caFile = tls ? (await ensureCertificates(dir)).caFile : undefined
  await adoptEarlierCluster(dir, previous?.dataDir, home, onStep)
  const password = await clusterPassword(dir, home, Boolean(previous), onStep)
  const as: RunAs = {...(owner ?? {}), cwd: home.dir, timeout: 120_000}

  if (!initialised(home)) {
    onStep?.('Initialising a local Postgres cluster (password authentication)')
    // initdb runs as the server's user, which cannot read the state folder: a copy of the password in its own folder, removed at once.
    const pwfile = path.join(home.dir, 'initdb-password')
    await writePrivateFile(pwfile, `${password}\n`, owner)
    try {
      await run(
        bin.initdb,
        ['-D', home.dataDir, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
        as,
      )
    } finally {
      await rm(pwfile, {force: true})
    }
  }
  let server = await runningPostmaster(home.dataDir)
  if (server && Boolean(previous?.tls) !== tls) {
    // TLS is set on the server's command line: turning it on or off takes a restart.
    onStep?.(`Restarting Postgres to turn TLS ${tls ? 'on' : 'off'}`)
    await stopLocalPostgres(home.dataDir)
    server = undefined
  }
  const adopted = Boolean(server)
  if (server) onStep?.(`Postgres already running (pid ${server.pid})`)
  else {
    const certificates = tls ? await postgresCertificates(dir, home.dir, owner) : undefined
    await requireTls(home.dataDir, tls, owner)
    server = await startServer(bin, home, previous?.port ?? (await freePort()), as, onStep, certificates)
  }
  // The superuser's own connections check the certificate like every client's.
  const ssl = caFile
    ? postgresPoolConfig({
        url: superuserUrl(server.port, 'postgres', '', caFile),
        source: 'local',
        sslmode: 'verify-full',
        sslRootCert: caFile,
      }).ssl
    : undefined
  if (await requirePassword(home.dataDir, server.port, password, owner, ssl))
    onStep?.('Postgres now asks for the password (it trusted everyone before)')

  await ensureDatabase({connectionString: superuserUrl(server.port, 'postgres', password), ssl}, LOCAL_DATABASE)
  const url = superuserUrl(server.port, LOCAL_DATABASE, password, caFile)
  return {pid: server.pid, port: server.port, url, version: bin.version, dataDir: home.dataDir, adopted, tls}
}

async function startServer(
  bin: Binaries,
  home: PostgresHome,
  port: number,
  as: RunAs,
  onStep?: (m: string) => void,
  certificates?: {certFile: string; keyFile: string},
) {
  onStep?.(`Starting Postgres ${bin.version} on 127.0.0.1:${port}${certificates ? ' with TLS' : ''}`)
  // The socket sits in the 0700 home; its own mode 0700 too, so neither lets another user reach it.
  const tls = certificates ? ` -c ssl=on -c ssl_cert_file=${certificates.certFile} -c ssl_key_file=${certificates.keyFile}` : ''
  const settings = '-c unix_socket_permissions=0700 -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB'
  const options = `-p ${port} -h 127.0.0.1 -k ${home.dir} ${settings}${tls}`
  try {
    await run(bin.pg_ctl, ['-D', home.dataDir, '-l', home.logFile, '-o', options, '-w', '-t', '60', 'start'], as)
  } catch (error) {
    const log = await readFile(home.logFile, 'utf8').catch(() => '')
    const last = log.trim().split('\n').slice(-2).join(' | ')
    throw unavailableError(`local Postgres did not start: ${last || String(error)}`, error, `see ${home.logFile}`)
  }
  const pid = Number((await readFile(path.join(home.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
  return {pid, port}
}

/** A cluster an earlier version kept elsewhere (in the state folder, unreachable for the server's user as root) moves into `home`. */
async function adoptEarlierCluster(dir: string, earlierDataDir: string | undefined, home: PostgresHome, onStep?: (m: string) => void) {
  if (!earlierDataDir || earlierDataDir === home.dataDir || initialised(home)) return
  const earlier = homeOf(earlierDataDir)
  if (!initialised(earlier) || !insideStateDir(earlier, dir)) return
  onStep?.(`Moving the Postgres data from ${earlier.dir} to ${home.dir}`)
  await stopLocalPostgres(earlier.dataDir)
  await moveCluster(earlier, home)
}

/**
 * The password kept in the state folder, or a new one (kept there at once) for a new
 * cluster or one that still trusts everyone. A cluster that asks for a password we no
 * longer have is what a deleted state folder leaves under SHARED_ROOT: removed, as deleting
 * the state folder removes a cluster kept inside it.
 */
async function clusterPassword(dir: string, home: PostgresHome, recorded: boolean, onStep?: (m: string) => void): Promise<string> {
  const kept = await readPostgresPassword(dir)
  if (kept) return kept
  if (initialised(home) && !(await trustsAnyone(home.dataDir))) {
    if (recorded || insideStateDir(home, dir)) {
      throw configError(
        `the local Postgres in ${home.dataDir} asks for a password, but ${postgresPasswordFile(dir)} is missing`,
        `restore that file, or delete ${home.dir} to start with an empty database`,
      )
    }
    onStep?.(`Removing Postgres data left by a deleted state folder (${home.dataDir})`)
    await stopLocalPostgres(home.dataDir)
    await rm(home.dataDir, {recursive: true, force: true})
  }
  const password = newPassword()
  await writePrivateFile(postgresPasswordFile(dir), `${password}\n`)
  return password
}

/**
 * The postmaster of this data directory, if one runs (for example restarted by hand):
 * adopt it. A stale postmaster.pid (its pid dead or reused by another program) is removed,
 * or pg_ctl would refuse to start.
 */
async function runningPostmaster(dataDir: string): Promise<{pid: number; port: number} | undefined> {
  const pidFile = path.join(dataDir, 'postmaster.pid')
  let lines: string[]
  try {
    lines = (await readFile(pidFile, 'utf8')).split('\n')
  } catch {
    return undefined
  }
  const pid = Number(lines[0])
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (command.includes('postgres')) return {pid, port: Number(lines[3])}
  await rm(pidFile, {force: true})
  return undefined
}

/**
 * A fast shutdown (SIGINT: open transactions roll back), as `pg_ctl stop -m fast` does, but
 * by the pid in postmaster.pid, so it needs no path the server's user could not enter.
 * Returns whether a server was running.
 */
export async function stopLocalPostgres(dataDir: string): Promise<boolean> {
  const server = await runningPostmaster(dataDir)
  if (server) await stopPid(server.pid, 60_000, 'SIGINT')
  return Boolean(server)
}
