/**
 * The suite's fixtures. Files run in parallel worker processes (.mocharc.json), so the services
 * are brought up once, in mocha's main process, before any worker starts: through the same code
 * path as `election services up` (or KAFKA_BROKERS / DATABASE_URL when set), and stopped at the
 * end only if this run started them. A run given unit files only (`*.unit.test.ts(x)`, as
 * `npm run test:unit` does) never touches them.
 */
import {servicesDown, servicesStatus, servicesUp} from '../src/lib/services/index.js'
import {killAllCli} from './helpers/cli.js'

const UNIT_FILE = /\.unit\.test\.(tsx?|\{ts,tsx\})$/

/**
 * Whether the run needs Kafka and Postgres: unless every test file or glob mocha was given names
 * unit files. Global fixtures cannot see the loaded files (in parallel mode only the workers load
 * them), so this reads mocha's command line; no test file named (a folder, say) means it may need them.
 */
function needsServices(argv: string[]): boolean {
  const specs = argv.filter((arg) => arg.includes('.test.') && !arg.startsWith('-'))
  return specs.length === 0 || specs.some((spec) => !UNIT_FILE.test(spec))
}

let startedHere = false

export async function mochaGlobalSetup(): Promise<void> {
  if (!needsServices(process.argv.slice(2))) return
  const before = await servicesStatus()
  startedHere = !before.every((s) => s.healthy)
  await servicesUp({onStep: (m) => process.stderr.write(`  [services] ${m}\n`)})
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (startedHere && !process.env.ELECTION_KEEP_SERVICES) await servicesDown()
}

export const mochaHooks = {
  // Per file in a worker: nothing a file's tests started outlives the file.
  afterAll() {
    killAllCli()
  },
}
