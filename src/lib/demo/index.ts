import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, mkdirSync, openSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {postgresPoolConfig, type Settings} from '../config/settings.js'
import {ensureDatabase} from '../db/pool.js'

export const DEMO_NAMESPACE = 'demo.'
export const DEMO_DATABASE = 'election_demo'
const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))

/** The demo's own database beside the configured one, so a demo never touches real data. */
export async function demoDatabaseUrl(settings: Settings): Promise<string> {
  await ensureDatabase(postgresPoolConfig(settings.postgres), DEMO_DATABASE)
  const url = new URL(settings.postgres.url)
  url.pathname = `/${DEMO_DATABASE}`
  return url.toString()
}

export interface DemoEnv {
  env: NodeJS.ProcessEnv
  logDir: string
}

/** A pipeline command as a child process; its output goes to a log file so the dashboard owns the screen. */
export function startStage(name: string, args: string[], demo: DemoEnv, options: {append?: boolean} = {}): ChildProcess {
  mkdirSync(demo.logDir, {recursive: true})
  const log = openSync(path.join(demo.logDir, `${name}.log`), options.append ? 'a' : 'w')
  try {
    return spawn(process.execPath, [BIN, ...args], {env: demo.env, stdio: ['ignore', log, log]})
  } finally {
    closeSync(log) // the child has its own copy
  }
}

export function runInteractive(args: string[], demo: DemoEnv): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], {env: demo.env, stdio: 'inherit'})
  return exitOf(child)
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** SIGTERM lets vote and aggregate commit or abandon the batch in flight; SIGKILL only if they hang. */
export async function stopStage(child: ChildProcess, graceMs = 30_000): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  const code = await exitOf(child)
  clearTimeout(timer)
  return code
}
