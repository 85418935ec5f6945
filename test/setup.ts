/**
 * Root hooks. Unit files (`*.unit.test.ts(x)`) need nothing; every other test file needs
 * Kafka and Postgres. When a run loads any non-unit file, the hooks bring the services up
 * through the same code path as `election services up` (or use KAFKA_BROKERS /
 * DATABASE_URL when set), and stop them afterwards only if this run started them. A run of
 * unit files only (`npm run test:unit`) never touches them.
 */
import {servicesDown, servicesStatus, servicesUp} from '../src/lib/services/index.js'
import {killAllCli} from './helpers/cli.js'

const UNIT_FILE = /\.unit\.test\.tsx?$/

/** The test files a suite and its children were loaded from. */
function filesOf(suite: Mocha.Suite): string[] {
  return [suite.file, ...suite.tests.map((t) => t.file), ...suite.suites.flatMap(filesOf)].filter((f): f is string => Boolean(f))
}

/** Whether any loaded file needs the services (anything that is not a unit file). */
const needsServices = (files: string[]): boolean => files.some((file) => !UNIT_FILE.test(file))

let startedHere = false

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    const root = this.test?.parent
    if (!root || !needsServices(filesOf(root))) return
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
