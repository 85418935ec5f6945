import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {Rng} from '../../src/lib/random.js'
import {killAllCli, runJson, startCli, waitFor} from '../helpers/cli.js'
import {readTopic} from '../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

const VOTERS = 20_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts a CLI process and restarts it after each SIGKILL, `kills` times, at random moments. */
async function killRepeatedly(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  rng: Rng,
  kills: number,
  log: string[],
): Promise<ChildProcess> {
  let child = startCli(args, env)
  for (let i = 0; i < kills; i++) {
    await sleep(1500 + rng.int(2500))
    const exited = waitFor(child)
    child.kill('SIGKILL')
    const result = await exited
    log.push(`${name}: SIGKILL #${i + 1} (signal ${result.signal})`)
    if (process.env.CRASH_DEBUG) process.stderr.write(`${new Date().toISOString()} ${log.at(-1)}\n`)
    child = startCli(args, env)
  }
  return child
}

describe('exactly once under crashes (vote and aggregate killed with SIGKILL, a second aggregator joining and leaving)', function () {
  this.timeout(10 * 60_000)
  let t: TestEnv
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000)

  before(async () => {
    t = await freshEnv()
    for (const args of [['init-db'], ['seed-candidates', '--count', '4'], ['register-voters', '--count', String(VOTERS), '--seed', '3']]) {
      const {code, stderr} = await runJson(args, t.env)
      assert.equal(code, 0, `${args[0]}: ${stderr}`)
    }
  })
  after(async () => {
    killAllCli()
    await t?.drop()
  })

  it(`counts each of ${VOTERS} votes exactly once (seed ${seed})`, async () => {
    const rng = new Rng(seed)
    const log: string[] = []
    const session = ['--session-timeout', '6s']
    const voteArgs = ['vote', '--rate', '1200', ...session]
    const aggregateArgs = ['aggregate', ...session]

    const [vote, aggregate] = await Promise.all([
      killRepeatedly('vote', voteArgs, t.env, rng, 3, log),
      (async () => {
        await sleep(500)
        return killRepeatedly('aggregate', aggregateArgs, t.env, rng, 3, log)
      })(),
      (async () => {
        // A second aggregator joins mid-run and leaves cleanly: partitions move twice.
        await sleep(4000 + rng.int(3000))
        const second = startCli(aggregateArgs, t.env)
        await sleep(6000 + rng.int(4000))
        const exited = waitFor(second)
        second.kill('SIGTERM')
        const result = await exited
        log.push(`second aggregate left (exit ${result.code})`)
        assert.equal(result.code, 0, `signal ${result.signal}: ${result.stderr}`)
      })(),
    ])

    // Let the survivors finish: vote drains the voters, then aggregate drains the votes, both exit 0 when idle.
    // A survivor may still be starting (nothing written yet), when SIGTERM simply ends it; otherwise it must stop cleanly.
    const stoppedCleanly = (r: {code: number | null; signal: string | null}) => r.code === 0 || (r.code === null && r.signal === 'SIGTERM')
    const voteExit = waitFor(vote)
    vote.kill('SIGTERM')
    const voteResult = await voteExit
    assert.ok(stoppedCleanly(voteResult), `vote: ${voteResult.code} ${voteResult.signal} ${voteResult.stderr}`)
    const finalVote = await runJson<{votes: number}>(['vote', '--exit-when-idle', '3s', ...session], t.env)
    assert.equal(finalVote.code, 0, finalVote.stderr)
    const aggregateExit = waitFor(aggregate)
    aggregate.kill('SIGTERM')
    const aggregateResult = await aggregateExit
    assert.ok(stoppedCleanly(aggregateResult), `aggregate: ${aggregateResult.code} ${aggregateResult.signal} ${aggregateResult.stderr}`)
    const finalAggregate = await runJson(['aggregate', '--exit-when-idle', '3s', ...session], t.env)
    assert.equal(finalAggregate.code, 0, finalAggregate.stderr)

    const verify = await runJson<{ok: boolean; votes: number; publishedCandidateTotal: number; differences: unknown[]}>(['verify'], t.env)
    assert.equal(verify.code, 0, JSON.stringify(verify.json.differences?.slice(0, 5)))
    assert.equal(verify.json.ok, true)

    const pool = new pg.Pool(postgresPoolConfig(t.settings.postgres))
    const {rows} = await pool.query<{n: string}>('SELECT count(*) AS n FROM votes')
    await pool.end()
    assert.equal(Number(rows[0]!.n), VOTERS, 'every registered voter voted once')
    assert.equal(verify.json.publishedCandidateTotal, VOTERS, 'candidate totals sum to the votes row count')

    const records = await readTopic(t, topicNames(t.env).votes)
    const perVoter = new Map<string, number>()
    for (const r of records) perVoter.set(r.key ?? '', (perVoter.get(r.key ?? '') ?? 0) + 1)
    const duplicated = [...perVoter].filter(([, n]) => n > 1)
    assert.deepEqual(duplicated.slice(0, 5), [], `votes_topic holds duplicates; events: ${log.join('; ')}`)
    assert.equal(perVoter.size, VOTERS)
    assert.ok(
      log.filter((l) => l.startsWith('vote: SIGKILL')).length >= 3 && log.filter((l) => l.startsWith('aggregate: SIGKILL')).length >= 3,
      log.join('; '),
    )
  })
})
