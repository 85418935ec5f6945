/**
 * The local services let no one in but the user who started them: Postgres asks for a
 * password (kept in the private state folder), and the state folder, Kafka's data and
 * the Postgres log are not readable by other users.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readdir, readFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {readState, stateDir, withPassword} from '../../../src/lib/config/state.js'
import {entriesUnder} from '../../helpers/files.js'
import {runJson} from '../../helpers/cli.js'
import {freshEnv, modeOf, tryConnect, type TestEnv} from '../../helpers/services.js'
import {topicSize} from '../../helpers/pipeline.js'

const run = promisify(execFile)
const NOBODY = {uid: 65534, gid: 65534}
const isRoot = userInfo().uid === 0

/** Every file and folder below `dir` whose mode lets group or others in. */
async function openToOthers(dir: string): Promise<string[]> {
  return (await entriesUnder(dir)).filter((e) => e.mode & 0o077).map((e) => `${e.path} ${e.mode.toString(8)}`)
}

describe('local services let no one else in', function () {
  this.timeout(120_000)
  const dir = stateDir()

  it('Postgres refuses a connection without the password, and with a wrong one, over TCP and the socket', async function () {
    const state = await readState(dir)
    if (state.postgres?.source !== 'local' || process.env.DATABASE_URL) {
      console.log('      not applicable: DATABASE_URL names a Postgres this suite did not start')
      this.skip()
    }
    const url = state.postgres!.address
    assert.ok(new URL(url).password, 'the recorded address carries the generated password')
    assert.equal(await tryConnect({connectionString: url}), undefined, 'the password lets us in')

    const noPassword = await tryConnect({connectionString: withPassword(url, '')})
    assert.ok(noPassword, 'a connection without a password must be refused')
    assert.match(noPassword.message, /password/i)

    const wrong = await tryConnect({connectionString: withPassword(url, 'not-the-password')})
    assert.ok(wrong, 'a connection with a wrong password must be refused')
    assert.equal((wrong as {code?: string}).code, '28P01', wrong.message)

    // The Unix socket too: `local ... trust` would let any user who reaches the socket in.
    const pidFile = (await readFile(path.join(state.postgres!.dataDir!, 'postmaster.pid'), 'utf8')).split('\n')
    const socketDir = pidFile[4]!
    const overSocket = await tryConnect({host: socketDir, port: Number(pidFile[3]), user: 'postgres', database: 'postgres'})
    assert.ok(overSocket, 'a socket connection without a password must be refused')
  })

  it('keeps the state folder 0700 and its files 0600, with the password in its own file, not in services.json', async function () {
    const state = await readState(dir)
    assert.equal(await modeOf(dir), 0o700, 'state folder')
    assert.equal(await modeOf(path.join(dir, 'services.json')), 0o600, 'services.json')
    assert.deepEqual(await openToOthers(dir), [], 'nothing in the state folder is open to group or others')
    if (state.postgres?.source === 'local') {
      const passwordFile = path.join(dir, 'postgres-password')
      assert.equal(await modeOf(passwordFile), 0o600, 'password file')
      const password = (await readFile(passwordFile, 'utf8')).trim()
      assert.ok(password.length >= 24, 'a long random password')
      assert.doesNotMatch(await readFile(path.join(dir, 'services.json'), 'utf8'), new RegExp(password), 'services.json holds no password')
    }
    if (isRoot) {
      await assert.rejects(run('ls', [dir], NOBODY), /Permission denied/, 'another user cannot list the state folder')
    }
  })

  it('Kafka writes its data and logs for its owner only, also for topics created while it runs', async function () {
    const state = await readState(dir)
    if (state.kafka?.source !== 'local' || process.env.KAFKA_BROKERS) {
      console.log('      not applicable: this suite runs on a broker it did not start')
      this.skip()
    }
    const t: TestEnv = await freshEnv()
    try {
      // A topic created now: its folder and segments come from the running JVM (its umask), not from a chmod at start.
      const {code, stderr} = await runJson(['init-db'], t.env)
      assert.equal(code, 0, stderr)
      assert.equal(await topicSize(t, `${t.namespace}votes_topic`), 0)
      const kafka = path.join(dir, 'kafka')
      const data = path.join(kafka, 'data')
      const topicDirs = (await readdir(data)).filter((d) => d.startsWith(`${t.namespace}votes_topic-`))
      assert.ok(topicDirs.length > 0, 'the new topic has folders in the data dir')
      assert.equal(await modeOf(data), 0o700, 'Kafka data dir')
      assert.equal(await modeOf(path.join(data, topicDirs[0]!)), 0o700, 'a new partition folder')
      assert.deepEqual(await openToOthers(kafka), [], 'nothing of Kafka is open to group or others')
      if (isRoot) await assert.rejects(run('ls', [data], NOBODY), /Permission denied/, 'another user cannot list the Kafka data')
    } finally {
      await t.drop()
    }
  })

  it('Postgres keeps its data dir 0700 and its log 0600', async function () {
    const state = await readState(dir)
    if (state.postgres?.source !== 'local' || process.env.DATABASE_URL) {
      console.log('      not applicable: DATABASE_URL names a Postgres this suite did not start')
      this.skip()
    }
    const dataDir = state.postgres!.dataDir!
    assert.equal(await modeOf(dataDir), 0o700, 'data dir')
    assert.equal(await modeOf(path.join(path.dirname(dataDir), 'server.log')), 0o600, 'server log')
    assert.equal(await modeOf(path.dirname(dataDir)), 0o700, 'the folder holding the data, log and socket')
  })
})
