import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {count} from '../../src/lib/dashboard/format.js'
import {BIN, killAllCli, runJson, startCli, waitFor} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

describe('election dashboard in a real terminal (tmux) while votes flow', function () {
  this.timeout(5 * 60_000)
  let t: TestEnv
  // The terminal's start-up script holds the database password: in a folder of the test's own (0700), deleted after.
  let dir: string | undefined
  const session = `election-dashboard-${process.pid}`

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'election-dashboard-'))
    t = await freshEnv()
    for (const args of [['init-db'], ['seed-candidates'], ['register-voters', '--count', '3000', '--seed', '11']]) {
      const {code, stderr} = await runJson(args, t.env)
      assert.equal(code, 0, stderr)
    }
  })
  after(async () => {
    killAllCli()
    try {
      tmux('kill-session', '-t', session)
    } catch {
      // already gone: the test quit it
    }
    if (dir) await rm(dir, {recursive: true, force: true})
    await t?.drop()
  })

  it("shows the same leader and totals as Postgres once drained, and quits on 'q'", async () => {
    const aggregate = startCli(['aggregate'], t.env)
    const vote = startCli(['vote', '--rate', '1000', '--exit-when-idle', '3s'], t.env)

    // The dashboard runs in a pseudo-terminal of 120x40, exactly as a user would start it.
    const script = path.join(dir!, 'dashboard.sh')
    const exports = ['KAFKA_BROKERS', 'DATABASE_URL', 'ELECTION_NAMESPACE', 'PATH', 'HOME'].map((k) => `export ${k}='${t.env[k] ?? ''}'`)
    // A person at a terminal, not CI: Ink draws only the last frame when it sees CI=true.
    await writeFile(
      script,
      `${exports.join('\n')}\nunset CI CONTINUOUS_INTEGRATION\nexport NO_COLOR=1\nexec '${process.execPath}' '${BIN}' dashboard\n`,
      {mode: 0o600},
    )
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', `sh ${script}`)
    const screen = () => tmux('capture-pane', '-p', '-t', session)

    await until('the dashboard to draw', 30_000, () => (/q quit/i.test(screen()) ? true : undefined))
    assert.equal((await waitFor(vote)).code, 0)

    const pool = new pg.Pool(postgresPoolConfig(t.settings.postgres))
    const {rows} = await pool.query<{candidate_name: string; n: number}>(
      'SELECT c.candidate_name, count(*)::int AS n FROM votes JOIN candidates c USING (candidate_id) GROUP BY 1 ORDER BY 2 DESC',
    )
    // The region with the most votes (the region table's first row) and who leads it, from Postgres.
    const {rows: regions} = await pool.query<{state: string; leader: string}>(
      `WITH per AS (
         SELECT v.address_state AS state, c.candidate_name AS name, count(*)::int AS n
         FROM votes JOIN voters v USING (voter_id) JOIN candidates c USING (candidate_id) GROUP BY 1, 2
       ), region AS (SELECT state, sum(n) AS total FROM per GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1)
       SELECT per.state, per.name AS leader FROM per JOIN region USING (state) ORDER BY per.n DESC, per.name LIMIT 1`,
    )
    await pool.end()
    const topRegion = regions[0]!
    const leader = rows[0]!
    const total = rows.reduce((sum, r) => sum + r.n, 0)
    assert.equal(total, 3000)

    await until('verify to pass', 60_000, async () => ((await runJson<{ok: boolean}>(['verify'], t.env)).json.ok ? true : undefined))
    const drawn = await until('the screen to show the final leader', 30_000, () => {
      const text = screen()
      return new RegExp(`Leading\\s+${leader.candidate_name}.*${count(leader.n)} votes`).test(text) ? text : undefined
    })
    assert.match(drawn, new RegExp(count(total)), `total ${total} on screen:\n${drawn}`)
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const regionRow = new RegExp(`^${escape(topRegion.state)}\\s+${escape(topRegion.leader)}\\s`, 'm')
    await until(`${topRegion.state}'s leader ${topRegion.leader} in the region table`, 30_000, () =>
      regionRow.test(screen()) ? true : undefined,
    )

    // Drawn incrementally, frame after frame: the header still on the first row, once (not stacked down the screen).
    const lines = screen().split('\n')
    assert.match(lines[0]!, /^Election dashboard/, `the first row:\n${lines.join('\n')}`)
    assert.equal(lines.filter((l) => l.startsWith('Election dashboard')).length, 1, lines.join('\n'))

    tmux('send-keys', '-t', session, 'q')
    await until('the dashboard to quit', 15_000, () => {
      try {
        tmux('has-session', '-t', session)
        return undefined
      } catch {
        return true
      }
    })
    aggregate.kill('SIGTERM')
    assert.equal((await waitFor(aggregate)).code, 0)
  })
})
