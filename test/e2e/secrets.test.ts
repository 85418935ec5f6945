/**
 * Secrets are never printed: known secrets in the Postgres URL (as userinfo or as
 * `?password=` / `sslpassword` / `sslkey`) and in KAFKA_SASL_PASSWORD; every command run
 * on its success and failure paths, in text, --json and --debug (stacks, kafkajs logs);
 * none of the secrets may appear in any output, nor in any file under the state folder
 * (services.json, the demo's child logs).
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import pg from 'pg'

import {runCli, type CliResult} from '../helpers/cli.js'
import {filesWithText} from '../helpers/files.js'
import {allOf, assertCleanError, assertJsonError} from '../helpers/pipeline.js'
import {baseSettings, freshEnv, type TestEnv} from '../helpers/services.js'

const known = (what: string) => `${what}-${randomBytes(6).toString('hex')}`

type Place = 'userinfo' | 'query'

interface Run {
  label: string
  expectedCode: number
  result: CliResult
}

/**
 * The test database's URL carrying `password` where asked. The local test Postgres may
 * trust any password, or check a generated one: if the URL already has a password, that
 * is the secret; otherwise a known one is inserted (trust accepts it).
 */
function withPassword(databaseUrl: string, password: string, place: Place, extra: Record<string, string> = {}): string {
  const url = new URL(databaseUrl)
  url.password = ''
  if (place === 'userinfo') url.password = password
  else url.searchParams.set('password', password)
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value)
  return url.toString()
}

/** No secret, raw or percent-encoded, in any run's stdout/stderr or any file under `home`. */
async function assertNothingLeaks(runs: Run[], secrets: string[], home: string): Promise<void> {
  const forms = secrets.flatMap((s) => [...new Set([s, encodeURIComponent(s)])])
  const files = await filesWithText(home)
  const leaks: string[] = []
  for (const {label, result} of runs) {
    for (const [stream, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ] as const) {
      for (const form of forms)
        if (text.includes(form)) leaks.push(`${label} (${stream}): ${text.split('\n').find((l) => l.includes(form))}`)
    }
  }
  for (const {file, text} of files) {
    for (const form of forms)
      if (text.includes(form)) leaks.push(`${path.relative(home, file)}: ${text.split('\n').find((l) => l.includes(form))}`)
  }
  assert.deepEqual(leaks, [], `secrets printed or written:\n${leaks.join('\n')}`)
}

async function run(label: string, [args, expectedCode]: Command, env: NodeJS.ProcessEnv, runs: Run[]): Promise<CliResult> {
  const result = await runCli(args, env)
  runs.push({label: `${label}: election ${args.join(' ')}`, expectedCode, result})
  return result
}

/** A command line and the exit code it must give. */
type Command = [string[], number]

/** Stage after stage; the commands of a stage at once (independent of each other). */
async function inStages(label: string, stages: Command[][], env: NodeJS.ProcessEnv, runs: Run[]): Promise<void> {
  for (const stage of stages) await atOnce(label, stage, env, runs)
}

/** All at once. */
async function atOnce(label: string, commands: Command[], env: NodeJS.ProcessEnv, runs: Run[]): Promise<void> {
  await Promise.all(commands.map((command) => run(label, command, env, runs)))
}

/** Checked after the leaks, so a run that fails differently still has its output searched. */
function assertExitCodes(runs: Run[]): void {
  allOf(
    runs.map(({label, expectedCode, result}): [string, () => void] => [
      label,
      () => assert.equal(result.code, expectedCode, `${result.stdout}\n${result.stderr}`),
    ]),
  )
}

/**
 * Every command on a real election: the pipeline in order, the rest beside it. `mode` is
 * added to each: `--debug` (text, stacks, kafkajs logs) or `--json --debug`.
 */
const successes = (mode: string[]): Command[][] => [
  [
    [['init-db', ...mode], 0],
    [['services', 'status', ...mode], 0],
    [['services', 'up', ...mode], 0],
  ],
  [
    [['seed-candidates', ...mode], 0],
    [['register-voters', '--count', '200', ...mode], 0],
  ],
  [[['vote', '--exit-when-idle', '2s', ...mode], 0]],
  [[['aggregate', '--exit-when-idle', '2s', ...mode], 0]],
  [
    [['verify', ...mode], 0],
    [['dashboard', '--once', ...mode], 0],
    [['services', 'down', ...mode], 0],
  ],
]

describe('secrets are never printed', function () {
  this.timeout(5 * 60_000)
  const sasl = known('sasl')
  let home: string
  let pgPassword: string
  const envs: TestEnv[] = []

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'election-secrets-'))
    pgPassword = decodeURIComponent(new URL((await baseSettings()).postgres.url).password) || known('pg')
  })
  after(async () => {
    await Promise.all(envs.map((t) => t.drop()))
    // The demo's own database, beside the test databases.
    const admin = new pg.Client({connectionString: (await baseSettings()).postgres.url})
    await admin.connect()
    await admin.query('DROP DATABASE IF EXISTS election_demo WITH (FORCE)').finally(() => admin.end())
    await rm(home, {recursive: true, force: true})
  })

  // Each command once per place, so the two places between them cover text, --json and --debug.
  for (const [place, mode] of [
    ['userinfo', ['--debug']],
    ['query', ['--json', '--debug']],
  ] as const) {
    it(`with the Postgres password as ${place}: every command, success and failure paths, and the demo (${mode.join(' ')})`, async () => {
      const t = await freshEnv()
      envs.push(t)
      const ssl = known('sslpassword')
      const key = known('sslkey')
      const url = withPassword(t.env.DATABASE_URL!, pgPassword, place, place === 'query' ? {sslpassword: ssl} : {})
      // ELECTION_HOME in a temporary folder: `services up/down` and the demo write there, never into the suite's own state.
      const env = {...t.env, DATABASE_URL: url, ELECTION_HOME: home}
      const unreachable = new URL(url)
      unreachable.port = '1'
      const malformed =
        place === 'userinfo' ? `postgres://u:${pgPassword}@127.0.0.1:port/db` : `postgres://u@127.0.0.1:port/db?password=${pgPassword}`
      const runs: Run[] = []
      const failure = (args: string[], code: number): Command => [[...args, ...mode], code]

      await atOnce(`${place}, before init-db`, [failure(['verify'], 3)], env, runs)
      await Promise.all([
        inStages(place, successes([...mode]), env, runs),
        atOnce(
          `${place}, Postgres unreachable`,
          [failure(['seed-candidates'], 4), failure(['services', 'status'], 0), failure(['services', 'up'], 4)],
          {...env, DATABASE_URL: unreachable.toString()},
          runs,
        ),
        // pg reads the sslkey file and names the path in its error.
        atOnce(
          `${place}, sslkey`,
          [failure(['verify'], 4)],
          {...env, DATABASE_URL: withPassword(url, pgPassword, place, {sslkey: key})},
          runs,
        ),
        atOnce(`${place}, malformed DATABASE_URL`, [failure(['init-db'], 2)], {...env, DATABASE_URL: malformed}, runs),
        atOnce(`${place}, malformed --database-url`, [failure(['verify', '--database-url', malformed], 2)], env, runs),
        atOnce(`${place}, bad flag`, [failure(['vote', '--session-timeout', '1s'], 2)], env, runs),
        // Its own database (derived from DATABASE_URL) and namespace; the same env makes it reuse the running services.
        atOnce(`${place}, demo`, [[['demo', '--voters', '300', '--rate', '1000', ...mode], 0]], env, runs),
      ])
      await assertNothingLeaks(runs, [pgPassword, ssl, key, sasl], home)
      assertExitCodes(runs)
      assert.ok((await filesWithText(path.join(home, 'demo'))).length >= 2, 'the demo wrote its child logs')
    })
  }

  it('Kafka SASL against a plaintext broker: a clean one-line error, exit 4, no secret, in text, --json and --debug', async () => {
    const t = await freshEnv()
    envs.push(t)
    const env = {
      ...t.env,
      ELECTION_HOME: home,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'election',
      KAFKA_SASL_PASSWORD: sasl,
    }
    const runs: Run[] = []
    const [text, json, debug] = await Promise.all([
      run('sasl', [['init-db'], 4], env, runs),
      run('sasl', [['init-db', '--json'], 4], env, runs),
      run('sasl', [['init-db', '--debug'], 4], env, runs),
    ])
    await assertNothingLeaks(runs, [sasl, pgPassword], home)
    allOf([
      [
        'text',
        () => {
          assertCleanError(text, 4, /Kafka/)
          assert.match(text.stderr, /Try: .*KAFKA_SASL_/, 'the hint points at the SASL settings')
        },
      ],
      ['--json', () => void assertJsonError(json, 4, /Kafka/)],
      [
        '--debug',
        () => {
          assert.equal(debug.code, 4, debug.stderr)
          assert.match(debug.stderr, /^Error: Kafka .*$/m)
          assert.equal(debug.stdout, '')
        },
      ],
    ])
  })
})
