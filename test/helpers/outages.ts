/**
 * Outages: `kill -9` of a local broker or of a local Postgres (postmaster and backends), and the
 * restart through `election services up`. They happen to services of the test's own (a temporary
 * ELECTION_HOME), never to the suite's: other files run beside it in parallel on those.
 */
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {readState, stateDir} from '../../src/lib/config/state.js'
import {isAlive} from '../../src/lib/services/process.js'
import {servicesDown, servicesUp} from '../../src/lib/services/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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

/** A local broker and Postgres of their own, for tests that kill them. */
export class KillableServices {
  private constructor(
    /** `services up` and `down` of these services; freshEnv(env) gives a test database on them. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts them in a temporary state folder; local whatever KAFKA_BROKERS and DATABASE_URL say. */
  static async up(): Promise<KillableServices> {
    const env: NodeJS.ProcessEnv = {...process.env, ELECTION_HOME: await mkdtemp(path.join(tmpdir(), 'election-outages-'))}
    delete env.KAFKA_BROKERS
    delete env.DATABASE_URL
    const services = new KillableServices(env)
    try {
      await servicesUp({env})
    } catch (error) {
      await services.down().catch(() => {}) // what did start, and the folder, go
      throw error
    }
    return services
  }

  async killBroker(): Promise<void> {
    const {kafka} = await readState(stateDir(this.env))
    if (!kafka?.pid) throw new Error('no local broker recorded')
    await killHard(kafka.pid, false)
  }

  async killPostgres(): Promise<void> {
    const {postgres} = await readState(stateDir(this.env))
    if (!postgres?.pid) throw new Error('no local Postgres recorded')
    await killHard(postgres.pid, true)
  }

  /** Whatever is down comes back up, with its data. */
  async restart(): Promise<void> {
    await servicesUp({env: this.env})
  }

  /** Stops them and deletes everything they stored. */
  async down(): Promise<void> {
    await servicesDown({env: this.env, purge: true})
    await rm(stateDir(this.env), {recursive: true, force: true})
  }
}
