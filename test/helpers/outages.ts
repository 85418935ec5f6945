/**
 * Outages of the services the root hook brought up: `kill -9` of the local broker or of the
 * local Postgres (postmaster and backends), and the restart through `election services up`.
 */
import {execFileSync} from 'node:child_process'

import {readState} from '../../src/lib/config/state.js'
import {isAlive} from '../../src/lib/services/process.js'
import {servicesUp} from '../../src/lib/services/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether this run's services are local ones the tests may kill (not KAFKA_BROKERS / DATABASE_URL). */
export async function localServices(): Promise<boolean> {
  const state = await readState()
  return !process.env.KAFKA_BROKERS && !process.env.DATABASE_URL && state.kafka?.source === 'local' && state.postgres?.source === 'local'
}

/** SIGKILL (and, with `withChildren`, its children too), then waits until they are gone. */
export async function killHard(pid: number, withChildren: boolean): Promise<void> {
  const children = withChildren
    ? execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], {encoding: 'utf8'})
        .split('\n')
        .map(Number)
        .filter(Boolean)
    : []
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  while ([pid, ...children].some((p) => isAlive(p))) await sleep(50)
}

export async function killBroker(): Promise<void> {
  const {kafka} = await readState()
  if (!kafka?.pid) throw new Error('no local broker recorded')
  await killHard(kafka.pid, false)
}

export async function killPostgres(): Promise<void> {
  const {postgres} = await readState()
  if (!postgres?.pid) throw new Error('no local Postgres recorded')
  await killHard(postgres.pid, true)
}

export async function restartServices(): Promise<void> {
  await servicesUp()
}
