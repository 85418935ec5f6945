/**
 * Root hooks: bring up Kafka and Postgres through the same code path as
 * `election services up` (or use KAFKA_BROKERS / DATABASE_URL when set), and
 * stop them afterwards only if this run started them.
 */
import {servicesDown, servicesStatus, servicesUp} from '../src/lib/services/index.js'
import {killAllCli} from './helpers/cli.js'

let startedHere = false

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(15 * 60_000)
    const before = await servicesStatus()
    startedHere = !before.every((s) => s.healthy)
    await servicesUp({onStep: (m) => process.stderr.write(`  [services] ${m}\n`)})
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000)
    killAllCli()
    if (startedHere && !process.env.ELECTION_KEEP_SERVICES) await servicesDown()
  },
}
