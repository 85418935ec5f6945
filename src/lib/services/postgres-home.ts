import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, lstat, mkdir, rename, rm} from 'node:fs/promises'
import {userInfo} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {ensurePrivateDir} from '../config/state.js'
import {unavailableError} from '../errors.js'

const run = promisify(execFile)

/** The system user the server runs as when we are root. */
export const SERVER_USER = 'postgres'

export interface Owner {
  uid: number
  gid: number
}

/** Postgres refuses to run as root, so as root we run it as the `postgres` user (created if missing). */
export async function serverOwner(): Promise<Owner | undefined> {
  if (userInfo().uid !== 0) return undefined
  const id = async () => {
    const [{stdout: uid}, {stdout: gid}] = await Promise.all([run('id', ['-u', SERVER_USER]), run('id', ['-g', SERVER_USER])])
    return {uid: Number(uid.trim()), gid: Number(gid.trim())}
  }
  try {
    return await id()
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER])
    return id()
  }
}

/**
 * Where the server's files live when it runs as another user than us (as root): the
 * postgres user cannot enter root's private state folder, nor a checkout under /root.
 * Root-owned 0711: the postgres user reaches what it is told the path of; nobody can
 * list the folder.
 */
export const SHARED_ROOT = '/var/lib/election'

export interface PostgresHome {
  /** Owned by the server's user, 0700: the data dir, the log and the Unix socket. */
  dir: string
  dataDir: string
  logFile: string
}

export const homeOf = (dataDir: string): PostgresHome => {
  const dir = path.dirname(dataDir)
  return {dir, dataDir, logFile: path.join(dir, 'server.log')}
}

/**
 * The folder for the server's files, created 0700 for the user it runs as: in the state
 * folder when that is us, else under SHARED_ROOT, one per state folder (named by a hash
 * of its path, so `down` and a later `up` from the same folder find it again).
 */
export async function postgresHome(stateDir: string, owner: Owner | undefined): Promise<PostgresHome> {
  if (owner) await sharedRoot()
  const dir = owner ? sharedHomeDir(stateDir) : path.join(stateDir, 'postgres')
  await ensurePrivateDir(dir, owner)
  return homeOf(path.join(dir, 'data'))
}

/** The home under SHARED_ROOT of the server a state folder starts as root. */
export const sharedHomeDir = (stateDir: string) =>
  path.join(SHARED_ROOT, `pg-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}`)

/** Whether the home is one the state folder holds (deleting the state folder deletes it too). */
export const insideStateDir = (home: PostgresHome, stateDir: string) => !path.relative(stateDir, home.dir).startsWith('..')

export async function sharedRoot(): Promise<string> {
  try {
    await mkdir(SHARED_ROOT, {recursive: true, mode: 0o711})
    const stats = await lstat(SHARED_ROOT)
    // Only root can create it in /var/lib; a link or another owner means someone else put it there.
    if (!stats.isDirectory() || stats.uid !== 0) throw new Error(`${SHARED_ROOT} is not a root-owned folder`)
    await chmod(SHARED_ROOT, 0o711)
    return SHARED_ROOT
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw unavailableError(
      `cannot prepare ${SHARED_ROOT} (${reason}): as root, the local Postgres runs as the ${SERVER_USER} user, ` +
        "which cannot enter root's private folders, so its files live there",
      error,
      `make ${SHARED_ROOT} a root-owned folder, or set DATABASE_URL to an existing Postgres, or run election as a user other than root`,
    )
  }
}

/**
 * Earlier versions kept the cluster (and its log) in <state>/postgres, which the server's
 * user cannot enter once the state folder is private: move them into `home`. The server
 * must be stopped. A rename when on the same filesystem, else a copy that keeps owners.
 */
export async function moveCluster(from: PostgresHome, to: PostgresHome): Promise<void> {
  await moveTree(from.dataDir, to.dataDir)
  if (existsSync(from.logFile) && !existsSync(to.logFile)) await moveTree(from.logFile, to.logFile)
  await rm(from.dir, {recursive: true, force: true})
}

async function moveTree(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    await run('cp', ['-a', from, to])
    await rm(from, {recursive: true, force: true})
  }
}
