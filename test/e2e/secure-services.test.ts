/**
 * Secured services for real: `services up --secure` in a state folder of its own starts a Kafka
 * broker whose only client listener is SASL_SSL (SCRAM-SHA-512, certificate from a CA made for
 * the folder) and a Postgres that takes TCP clients over TLS only. Every command then runs with
 * nothing configured, over SASL_SSL and sslmode=verify-full, and the totals are exact. A wrong
 * SASL password, a CA that did not sign the broker's certificate and a plaintext client each get
 * one line and exit 4, with no secret printed.
 */
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {postgresPoolConfig, resolveSettings} from '../../src/lib/config/settings.js'
import {kafkaPasswordFile, postgresPasswordFile, readState} from '../../src/lib/config/state.js'
import {servicesDown, servicesUp} from '../../src/lib/services/index.js'
import {commandExists} from '../../src/lib/services/process.js'
import {ensureCertificates} from '../../src/lib/services/tls.js'
import {runCli, runJson, type CliResult} from '../helpers/cli.js'
import {assertCleanError, assertExactlyOnce, assertJsonError, ok, sql} from '../helpers/pipeline.js'
import {modeOf, tryConnect, type TestEnv} from '../helpers/services.js'

const log = (message: string) => process.stderr.write(`  [secure] ${message}\n`)

interface StatusJson {
  services: Array<{service: string; address: string; healthy: boolean; security: string}>
}

interface SnapshotJson {
  candidates: Array<{candidate_id: string; total_votes: number}>
}

describe('services up --secure: the pipeline over SASL_SSL (SCRAM-SHA-512) and Postgres verify-full', function () {
  this.timeout(10 * 60_000)
  const VOTERS = 400
  let home: string | undefined
  let elsewhere: string | undefined
  let t: TestEnv
  let secrets: string[]

  before(async function () {
    // The secured broker runs from Apache's jars; its certificates come from openssl.
    if (!(await commandExists('java', ['-version'])) || !(await commandExists('openssl', ['version']))) this.skip()
    home = await mkdtemp(path.join(tmpdir(), 'election-secure-'))
    // Nothing configured: every command finds the services, the CA and the credentials in the state folder.
    const env: NodeJS.ProcessEnv = {...process.env, ELECTION_HOME: home, ELECTION_NAMESPACE: 'secure.', NO_COLOR: '1'}
    for (const name of [
      'KAFKA_BROKERS',
      'DATABASE_URL',
      'KAFKA_SSL',
      'KAFKA_SSL_CA_FILE',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'PGSSLMODE',
      'PGSSLROOTCERT',
    ])
      delete env[name]
    await servicesUp({env, secure: true, onStep: log})
    t = {env, settings: resolveSettings({}, env, await readState(home)), namespace: 'secure.', database: 'election', drop: async () => {}}
    secrets = [(await readFile(kafkaPasswordFile(home), 'utf8')).trim(), (await readFile(postgresPasswordFile(home), 'utf8')).trim()]
  })

  after(async function () {
    this.timeout(3 * 60_000)
    if (home) {
      // --purge: as root the Postgres cluster lives outside `home`, under /var/lib/election, and stayed there.
      await servicesDown({env: t?.env ?? {...process.env, ELECTION_HOME: home}, purge: true}).catch((error: unknown) =>
        log(`services down: ${String(error)}`),
      )
      await rm(home, {recursive: true, force: true})
    }
    if (elsewhere) await rm(elsewhere, {recursive: true, force: true})
  })

  const assertNoSecret = (result: CliResult) => {
    for (const secret of secrets) {
      assert.ok(
        !result.stdout.includes(secret) && !result.stderr.includes(secret),
        `a password was printed:\n${result.stdout}\n${result.stderr}`,
      )
    }
  }

  it('shows the security in use, and keeps the credentials in the state folder, owner only', async () => {
    const status = await runCli(['services', 'status', '--json'], t.env)
    assert.equal(status.code, 0, status.stderr)
    const by = Object.fromEntries((JSON.parse(status.stdout) as StatusJson).services.map((s) => [s.service, s]))
    assert.equal(by.kafka?.security, 'SASL_SSL (SCRAM-SHA-512, user election)')
    assert.equal(by.postgres?.security, 'TLS (verify-full)')
    assert.ok(by.kafka?.healthy && by.postgres?.healthy, status.stdout)
    assertNoSecret(status)
    const state = await readFile(path.join(home!, 'services.json'), 'utf8')
    for (const secret of secrets) assert.ok(!state.includes(secret), 'services.json holds no password')
    for (const file of [kafkaPasswordFile(home!), path.join(home!, 'tls', 'ca.key'), path.join(home!, 'tls', 'server.key')]) {
      assert.equal(await modeOf(file), 0o600, file)
    }
  })

  it('runs init-db → seed → register → vote → aggregate → verify and a dashboard snapshot with exact totals', async () => {
    await ok(t, 'init-db')
    await ok(t, 'seed-candidates')
    await ok(t, 'register-voters', '--count', String(VOTERS))
    const vote = await ok(t, 'vote', '--exit-when-idle', '2s')
    const aggregate = await ok(t, 'aggregate', '--exit-when-idle', '2s')
    assertNoSecret(vote)
    assertNoSecret(aggregate)
    await assertExactlyOnce(t, VOTERS)

    const snapshot = await runJson<SnapshotJson>(['dashboard', '--once'], t.env)
    assert.equal(snapshot.code, 0, snapshot.stderr)
    const truth = await sql<{candidate_id: string; n: number}>(
      t,
      'SELECT candidate_id, count(*)::int AS n FROM votes GROUP BY candidate_id',
    )
    assert.deepEqual(
      Object.fromEntries(snapshot.json.candidates.map((c) => [c.candidate_id, c.total_votes])),
      Object.fromEntries(truth.map((r) => [r.candidate_id, r.n])),
    )
  })

  it('runs the demo on them too (its children get the SASL and TLS settings)', async () => {
    const demo = await runCli(['demo', '--voters', '300', '--rate', '300', '--json'], t.env, 300_000)
    assert.equal(demo.code, 0, demo.stderr.slice(-3000))
    const result = JSON.parse(demo.stdout) as {voters: number; verify: {ok: boolean; votes: number}}
    assert.deepEqual([result.voters, result.verify.ok, result.verify.votes], [300, true, 300])
    assertNoSecret(demo)
  })

  it('speaks TLS to Postgres, which refuses plaintext TCP clients', async () => {
    const [session] = await sql<{ssl: boolean}>(t, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    assert.equal(session?.ssl, true)
    const plaintext = await tryConnect({...postgresPoolConfig({...t.settings.postgres, sslmode: 'disable'})})
    assert.match(String(plaintext), /no encryption/)
    const result = await runCli(['verify'], {...t.env, PGSSLMODE: 'disable'})
    assertCleanError(result, 4, /Postgres/, /no encryption/)
    assertNoSecret(result)
  })

  it('a wrong SASL password: one line naming the user, exit 4, no secret', async () => {
    const result = await runCli(['verify'], {
      ...t.env,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'election',
      KAFKA_SASL_PASSWORD: 'not-the-password',
    })
    assertCleanError(result, 4, /refused the SASL login of user "election"/)
    assertNoSecret(result)
    assert.ok(!result.stderr.includes('not-the-password'), 'not even the wrong password is printed')
  })

  it('a CA that did not sign the broker certificate: one line saying the certificate is not trusted, exit 4', async () => {
    elsewhere = await mkdtemp(path.join(tmpdir(), 'election-other-ca-'))
    const other = await ensureCertificates(elsewhere)
    const result = await runCli(['verify'], {...t.env, KAFKA_SSL_CA_FILE: other.caFile})
    assertCleanError(result, 4, /TLS certificate this client does not trust/)
    assertNoSecret(result)
    const json = await runCli(['verify', '--json'], {...t.env, KAFKA_SSL_CA_FILE: other.caFile})
    assertJsonError(json, 4, /does not trust/)
  })

  it('a plaintext client against the SASL_SSL listener: one line saying it expects TLS, exit 4', async () => {
    const result = await runCli(['verify'], {...t.env, KAFKA_BROKERS: t.settings.kafka.brokers.join(',')})
    assertCleanError(result, 4, /closed the connection/, /TLS/)
    assertNoSecret(result)
  })
})
