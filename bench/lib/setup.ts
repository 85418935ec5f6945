import {execFile} from 'node:child_process'
import {readdirSync, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import pg from 'pg'

import {resolveSettings} from '../../src/lib/config/settings.js'
import {readState} from '../../src/lib/config/state.js'
import {ROOT, runCli} from './cli.js'

const run = promisify(execFile)

/** Newest modification time of any file under dir (0 when missing). */
function newest(dir: string): number {
  let latest = 0
  try {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, entry.name)
      latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
    }
  } catch {
    return 0
  }
  return latest
}

/** `npm run build` when dist/ is missing or older than src/. */
export async function buildIfStale(): Promise<boolean> {
  const dist = newest(path.join(ROOT, 'dist'))
  if (dist !== 0 && dist >= newest(path.join(ROOT, 'src'))) return false
  await run('npm', ['run', 'build'], {cwd: ROOT, maxBuffer: 16 * 1024 * 1024})
  return true
}

export interface ServiceStatus {
  service: 'kafka' | 'postgres'
  address: string
  /** The broker's JVM or the Postgres postmaster, when `services up` started it locally. */
  pid?: number | null
  healthy: boolean
  version: string | null
}

export interface Services {
  kafka: ServiceStatus
  postgres: ServiceStatus
  /** The real Postgres URL (status redacts the password), as every command resolves it. */
  adminUrl: string
}

/** Builds if stale, runs `election services up` (reusing running services) and checks both answer. */
export async function servicesUp(): Promise<Services> {
  await buildIfStale()
  await runCli(['services', 'up'], process.env)
  const {json} = await runCli<{services: ServiceStatus[]}>(['services', 'status'], process.env)
  const kafka = json.services.find((s) => s.service === 'kafka')!
  const postgres = json.services.find((s) => s.service === 'postgres')!
  if (!kafka.healthy || !postgres.healthy) throw new Error('services are not healthy')
  return {kafka, postgres, adminUrl: resolveSettings({}, process.env, await readState()).postgres.url}
}

/** The same URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({connectionString: withDatabase(adminUrl, 'postgres')})
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({connectionString: withDatabase(adminUrl, 'postgres')})
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await client.end()
  }
}

export function machineInfo() {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  }
}

/** 1-minute load average, rounded: above nproc means something else was competing for the CPUs. */
export const loadAverage = () => Math.round((os.loadavg()[0] ?? 0) * 100) / 100
