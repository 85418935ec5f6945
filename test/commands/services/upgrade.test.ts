/**
 * A state folder from an earlier version (Postgres initialised with trust, no password,
 * world-readable files) keeps its data: `services up` locks it down in place.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import pg from 'pg'

import {readState, withPassword} from '../../../src/lib/config/state.js'
import {serverBinaries} from '../../../src/lib/services/postgres-binaries.js'
import {serverOwner, sharedHomeDir} from '../../../src/lib/services/postgres-home.js'
import {freePort} from '../../../src/lib/services/process.js'
import {runJson} from '../../helpers/cli.js'
import {baseSettings, modeOf, tryConnect} from '../../helpers/services.js'

const run = promisify(execFile)

/** What an earlier `election services up` left: a trust cluster in <home>/postgres/data, running, and a 0644 services.json. */
async function legacyStateFolder(home: string): Promise<{dataDir: string; port: number}> {
  // The programs from where the server's user can reach them (a checkout may be private); the cluster is an earlier version's.
  const owner = await serverOwner()
  const bin = await serverBinaries(owner)
  const pgHome = path.join(home, 'postgres')
  const dataDir = path.join(pgHome, 'data')
  await chmod(home, 0o755)
  await mkdir(pgHome)
  if (owner) await chown(pgHome, owner.uid, owner.gid)
  const as = {...(owner ?? {}), cwd: pgHome}
  await run(bin.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'], as)
  const port = await freePort()
  await run(
    bin.pg_ctl,
    ['-D', dataDir, '-l', path.join(pgHome, 'server.log'), '-o', `-p ${port} -h 127.0.0.1 -k ${pgHome}`, '-w', 'start'],
    as,
  )
  const admin = new pg.Client({connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`})
  await admin.connect()
  await admin.query('CREATE DATABASE election')
  await admin.end()
  const db = new pg.Client({connectionString: `postgres://postgres@127.0.0.1:${port}/election`})
  await db.connect()
  await db.query(`CREATE TABLE kept (name text); INSERT INTO kept VALUES ('Ada Lovelace')`)
  await db.end()
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
  const state = {
    postgres: {source: 'local', address: `postgres://postgres@127.0.0.1:${port}/election`, pid, port, dataDir, version: '17.10.0'},
  }
  await writeFile(path.join(home, 'services.json'), JSON.stringify(state, null, 2), {mode: 0o644})
  return {dataDir, port}
}

async function stopQuietly(dataDir: string | undefined) {
  if (!dataDir) return
  const owner = await serverOwner()
  await run((await serverBinaries(owner)).pg_ctl, ['-D', dataDir, '-m', 'immediate', 'stop'], {...(owner ?? {}), cwd: '/'}).catch(() => {})
}

describe('services up on a state folder from an earlier version', function () {
  this.timeout(180_000)
  let home: string
  let legacy: {dataDir: string; port: number} | undefined
  let upgradedDataDir: string | undefined

  before(function () {
    if (process.env.DATABASE_URL) {
      console.log('      not applicable: DATABASE_URL is set, so no local Postgres is started')
      this.skip()
    }
  })

  after(async () => {
    const env = {...process.env, ELECTION_HOME: home, KAFKA_BROKERS: (await baseSettings()).kafka.brokers.join(',')}
    await runJson(['services', 'down'], env).catch(() => {})
    await stopQuietly(upgradedDataDir)
    await stopQuietly(legacy?.dataDir)
    await rm(sharedHomeDir(home), {recursive: true, force: true})
    await rm(home, {recursive: true, force: true})
  })

  it('sets a password, requires it everywhere, and keeps the data', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'election-legacy-'))
    legacy = await legacyStateFolder(home)
    assert.equal(
      await tryConnect({connectionString: `postgres://postgres@127.0.0.1:${legacy.port}/election`}),
      undefined,
      'the earlier version lets anyone in (the setup is right)',
    )

    const env = {...process.env, ELECTION_HOME: home, KAFKA_BROKERS: (await baseSettings()).kafka.brokers.join(',')}
    const {code, json, stderr} = await runJson<{services: Array<{service: string; healthy: boolean}>}>(['services', 'up'], env)
    assert.equal(code, 0, stderr)
    assert.ok(
      json.services.every((s) => s.healthy),
      JSON.stringify(json),
    )

    const state = await readState(home)
    upgradedDataDir = state.postgres?.dataDir
    const url = state.postgres!.address
    const client = new pg.Client({connectionString: url})
    await client.connect()
    const {rows} = await client.query<{name: string}>('SELECT name FROM kept')
    await client.end()
    assert.deepEqual(rows, [{name: 'Ada Lovelace'}], 'the data survives the upgrade')

    const refused = await tryConnect({connectionString: withPassword(url, '')})
    assert.ok(refused, 'no password: refused')
    const hba = await readFile(path.join(upgradedDataDir!, 'pg_hba.conf'), 'utf8')
    assert.deepEqual(
      hba.split('\n').filter((l) => /^\s*[^#\s]/.test(l) && !/scram-sha-256\s*$/.test(l)),
      [],
      'every pg_hba.conf rule asks for a scram password',
    )
    assert.equal(await modeOf(home), 0o700, 'state folder')
    assert.equal(await modeOf(path.join(home, 'services.json')), 0o600, 'services.json')
    assert.equal(await modeOf(path.join(home, 'postgres-password')), 0o600, 'password file')
  })
})
