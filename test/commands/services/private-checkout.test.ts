/**
 * A new user, as root, clones into a private home (/root is 0700) and runs `election services up`.
 * The bundled Postgres runs as the postgres user, which cannot enter that tree.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {copyFile, mkdir, mkdtemp, readdir, rm} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {sharedHomeDir} from '../../../src/lib/services/postgres-home.js'
import {modeOf} from '../../helpers/services.js'
import type {StatusResult} from '../../../src/commands/services/status.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The working tree as a clone of it would be, uncommitted changes included: tracked files and new ones git does not ignore. */
async function checkoutOfWorkingTree(target: string): Promise<void> {
  const {stdout} = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  })
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(ROOT, file))) continue // deleted, not yet committed
    // A worktree's node_modules may be a symlink (untracked, and node_modules/ ignores only a folder); it is copied below.
    if (file === 'node_modules') continue
    await mkdir(path.dirname(path.join(target, file)), {recursive: true})
    await copyFile(path.join(ROOT, file), path.join(target, file))
  }
}

describe('services up as root from a checkout in a private (0700) folder', function () {
  this.timeout(10 * 60_000)
  let privateDir: string | undefined
  let checkout: string
  // The CLI from the checkout, as its user would run it: no connection settings, state in <checkout>/.election.
  const env: NodeJS.ProcessEnv = {...process.env, ELECTION_KAFKA_HEAP: '512m'}
  for (const name of ['ELECTION_HOME', 'DATABASE_URL', 'KAFKA_BROKERS', 'ELECTION_NAMESPACE']) delete env[name]
  const election = (...args: string[]) =>
    run(process.execPath, [path.join(checkout, 'bin', 'run.js'), ...args], {cwd: checkout, env, timeout: 5 * 60_000})

  before(async function () {
    if (userInfo().uid !== 0) {
      console.log('      not applicable: the problem is root running Postgres as the postgres user; this run is not root')
      this.skip()
    }
    privateDir = await mkdtemp(path.join(tmpdir(), 'election-private-'))
    assert.equal(await modeOf(privateDir), 0o700)
    checkout = path.join(privateDir, 'election')
    await checkoutOfWorkingTree(checkout)
    // A copy, not a link: through a link the bundled Postgres would resolve back to this reachable tree.
    await run('cp', ['-a', path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules')])
    await run('npm', ['run', 'build'], {cwd: checkout})
  })

  after(async () => {
    if (!privateDir) return
    await election('services', 'down').catch(() => {})
    // The server's files outside the checkout: what the deleted checkout would leave behind.
    await rm(sharedHomeDir(path.join(checkout, '.election')), {recursive: true, force: true})
    await rm(privateDir, {recursive: true, force: true})
  })

  it('brings Kafka and Postgres up, reports them healthy, and stops them', async () => {
    const up = await election('services', 'up', '--json').catch((error: {code: number; stdout: string; stderr: string}) => {
      assert.fail(`services up exited ${error.code}:\n${error.stdout}\n${error.stderr}`)
    })
    const services = (JSON.parse(up.stdout) as StatusResult).services
    assert.deepEqual(
      services.map((s) => [s.service, s.source, s.healthy]),
      [
        ['kafka', 'local', true],
        ['postgres', 'local', true],
      ],
      up.stdout,
    )

    const status = JSON.parse((await election('services', 'status', '--json', '--check')).stdout) as StatusResult
    assert.ok(
      status.services.every((s) => s.healthy),
      JSON.stringify(status),
    )

    const down = JSON.parse((await election('services', 'down', '--json')).stdout) as {stopped: string[]}
    assert.deepEqual(down.stopped.sort(), ['kafka', 'postgres'])
  })

  it('down --purge deletes what the services stored, also outside the checkout, and the next up starts afresh', async () => {
    const state = path.join(checkout, '.election')
    const outside = sharedHomeDir(state) // what deleting the checkout would leave behind
    type Init = {createdTables: string[]}
    await election('services', 'up')
    assert.ok((JSON.parse((await election('init-db', '--json')).stdout) as Init).createdTables.includes('voters'))
    const stored = [outside, path.join(state, 'kafka', 'data'), path.join(state, 'postgres-password'), path.join(state, 'services.json')]
    for (const p of stored) assert.ok(existsSync(p), `${p} is there before the purge`)
    const kafkaFiles = await readdir(path.join(state, 'kafka'))

    const purged = JSON.parse((await election('services', 'down', '--purge', '--force', '--json')).stdout) as {purged: string[]}
    for (const p of stored) {
      assert.ok(purged.purged.includes(p), `${p} reported as deleted: ${purged.purged.join(', ')}`)
      assert.ok(!existsSync(p), `${p} is gone`)
    }
    // Maven's resolution of the Kafka jars is kept: it is not data, and slow to redo.
    assert.deepEqual(
      await readdir(path.join(state, 'kafka')),
      kafkaFiles.filter((f) => /^classpath-/.test(f)),
    )

    const up = JSON.parse((await election('services', 'up', '--json')).stdout) as StatusResult
    assert.ok(
      up.services.every((s) => s.healthy),
      JSON.stringify(up),
    )
    const init = JSON.parse((await election('init-db', '--json')).stdout) as Init
    assert.ok(init.createdTables.includes('voters'), `a fresh database: init-db creates the tables again (${JSON.stringify(init)})`)
    await election('services', 'down', '--purge', '--force')
    assert.ok(!existsSync(outside))
  })
})
