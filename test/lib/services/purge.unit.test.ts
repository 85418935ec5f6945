import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {ServicesState} from '../../../src/lib/config/state.js'
import {purge, purgeTargets} from '../../../src/lib/services/purge.js'

/** A state folder as a non-root `services up --secure` leaves it (Postgres' cluster inside it). */
async function stateFolder(): Promise<{dir: string; state: ServicesState}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'election-purge-'))
  const files = ['kafka/data/meta.properties', 'kafka/server.log', 'kafka/server.properties', 'kafka/classpath-a0d50a536b65.txt']
  for (const f of [...files, 'postgres/data/PG_VERSION', 'postgres/server.log', 'tls/ca.pem', 'postgres-password', 'kafka-password']) {
    await mkdir(path.dirname(path.join(dir, f)), {recursive: true})
    await writeFile(path.join(dir, f), 'x')
  }
  await writeFile(path.join(dir, 'services.json'), '{}')
  const state: ServicesState = {
    kafka: {source: 'local', address: '127.0.0.1:1'},
    postgres: {source: 'local', address: 'postgres://127.0.0.1:2/election', dataDir: path.join(dir, 'postgres', 'data')},
  }
  return {dir, state}
}

describe('services down --purge: what it deletes', () => {
  const made: string[] = []
  after(async () => {
    for (const dir of made) await rm(dir, {recursive: true, force: true})
  })

  it("lists the services' data, logs, passwords, certificates and records, but not the Kafka classpath", async () => {
    const {dir, state} = await stateFolder()
    made.push(dir)
    const targets = (await purgeTargets(dir, state)).map((p) => path.relative(dir, p)).sort()
    assert.deepEqual(targets, [
      'kafka-password',
      'kafka/data',
      'kafka/server.log',
      'kafka/server.properties',
      'postgres',
      'postgres-password',
      'services.json',
      'tls',
    ])
    await purge(state, await purgeTargets(dir, state))
    assert.deepEqual(await readdir(dir), ['kafka'])
    assert.deepEqual(await readdir(path.join(dir, 'kafka')), ['classpath-a0d50a536b65.txt'])
  })

  it('deletes nothing while a process that up started is still running', async () => {
    const {dir, state} = await stateFolder()
    made.push(dir)
    state.postgres!.pid = process.pid // alive: stands in for a server that did not stop
    const targets = await purgeTargets(dir, state)
    await assert.rejects(
      purge(state, targets),
      /^ElectionUnavailableError: not purging: the services did not stop \(pids \d+ still running\)/,
    )
    for (const target of targets) assert.ok(existsSync(target), `${target} kept`)
  })
})
