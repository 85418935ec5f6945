import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {runCli, runJson} from '../../helpers/cli.js'
import {assertCleanError} from '../../helpers/pipeline.js'
import type {StatusResult} from '../../../src/commands/services/status.js'
import type {UpResult} from '../../../src/commands/services/up.js'

describe('election services', () => {
  it('status --json reports both services healthy, with who started them', async () => {
    const {code, json} = await runJson<StatusResult>(['services', 'status', '--check'])
    assert.equal(code, 0)
    const byName = Object.fromEntries(json.services.map((s) => [s.service, s]))
    assert.equal(byName.kafka!.healthy, true)
    assert.equal(byName.postgres!.healthy, true)
    // The root hook started them (source local) unless the environment named its own.
    const expected = {kafka: process.env.KAFKA_BROKERS ? 'env' : 'local', postgres: process.env.DATABASE_URL ? 'env' : 'local'}
    for (const s of json.services) {
      assert.equal(s.source, expected[s.service as 'kafka' | 'postgres'], `${s.service} source`)
      if (s.source === 'local') {
        assert.ok(Number.isInteger(s.pid), `the local ${s.service} has a pid`)
        assert.doesNotThrow(() => process.kill(s.pid!, 0), `the local ${s.service}'s pid ${s.pid} is a running process`)
      }
      assert.ok(!/:[^:@/]+@/.test(s.address.replace(':*****@', '@')), `no password in ${s.address}`)
    }
  })

  it('status without --json: a table naming both services, with no colour codes when piped', async () => {
    const {code, stdout} = await runCli(['services', 'status'])
    assert.equal(code, 0)
    assert.match(stdout, /kafka/)
    assert.match(stdout, /postgres/)
    assert.ok(!stdout.includes('\x1b['), 'cli-table3 coloured the header and borders of a piped table')
  })

  it('up is idempotent: a second run reuses the running services', async () => {
    const before = await runJson<StatusResult>(['services', 'status'])
    const {code, json} = await runJson<UpResult>(['services', 'up'])
    assert.equal(code, 0)
    assert.deepEqual(
      json.services.map((s) => [s.service, s.pid, s.address]),
      before.json.services.map((s) => [s.service, s.pid, s.address]),
      'the same processes, not new ones',
    )
  })

  it('fails with one clear error naming the three ways when no broker can be had', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'election-nobroker-'))
    try {
      // No KAFKA_BROKERS, no docker, no java or mvn on PATH (only node); Postgres given so only Kafka is missing.
      const bin = path.join(home, 'bin')
      await mkdir(bin)
      await symlink(process.execPath, path.join(bin, 'node'))
      const env: NodeJS.ProcessEnv = {
        PATH: bin,
        ELECTION_HOME: home,
        HOME: home,
        DATABASE_URL: process.env.DATABASE_URL ?? (await localDatabaseUrl()),
      }
      const result = await runCli(['services', 'up'], env)
      // One error line and its suggestions, nothing before it (no progress line ending in "done").
      assertCleanError(result, 3, /^Error: no Kafka broker available/, /KAFKA_BROKERS/, /Docker/, /Java 17 with Maven/)
      assert.match(result.stderr, /Try: .*Java 17\+ and Maven/)
    } finally {
      await rm(home, {recursive: true, force: true})
    }
  })

  it('names the address when DATABASE_URL does not answer', async () => {
    const result = await runCli(['services', 'up'], {...process.env, DATABASE_URL: 'postgres://nobody:topsecret@127.0.0.1:1/none'})
    assert.equal(result.code, 4)
    assert.match(result.stderr, /Postgres at postgres:\/\/nobody:\*\*\*\*\*@127\.0\.0\.1:1\/none does not answer/)
    assert.doesNotMatch(result.stderr, /topsecret/)
  })

  it('down --purge without a terminal refuses without --force, stopping and deleting nothing', async () => {
    const before = await runJson<StatusResult>(['services', 'status'])
    const refused = await runCli(['services', 'down', '--purge'])
    assertCleanError(
      refused,
      2,
      /^Error: --purge deletes what the local services stored for .*; refusing without --force when not on a terminal$/m,
    )
    assert.match(refused.stderr, /Try: add --force/)
    const after = await runJson<StatusResult>(['services', 'status', '--check'])
    assert.deepEqual(
      after.json.services.map((s) => [s.service, s.pid, s.healthy]),
      before.json.services.map((s) => [s.service, s.pid, true]),
      'the same services, still running and healthy',
    )
  })

  it('up --help shows examples', async () => {
    const result = await runCli(['services', 'up', '--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /EXAMPLES/)
  })
})

async function localDatabaseUrl(): Promise<string> {
  const {baseSettings} = await import('../../helpers/services.js')
  return (await baseSettings()).postgres.url
}
