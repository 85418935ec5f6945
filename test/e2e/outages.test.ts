/**
 * The outage suite: the broker and Postgres killed, gone past the session timeout, or gone for good,
 * on services of its own (the suite's serve the files running beside this one). Each scenario ends
 * with the exactly-once checks, as the fault suite's do (faults.test.ts). A file of its own so that it
 * runs beside the other faults, not after them: together they were the suite's longest file.
 */
import assert from 'node:assert/strict'

import {killAllCli, runJson, startCli, waitFor} from '../helpers/cli.js'
import {assertExactlyOnce, count, prepare, stopCleanly, until} from '../helpers/pipeline.js'
import type {TestEnv} from '../helpers/services.js'
import {KillableServices} from '../helpers/outages.js'
import {scrapeUntil} from '../helpers/metrics.js'
import {freePort} from '../../src/lib/services/process.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until vote and aggregate have joined and counted a first vote. */
const underWay = (t: TestEnv) => until(async () => (await count(t, 'aggregator_counted_votes')) > 0, 60_000, 'vote and aggregate under way')

/** After a fault: a fresh vote casts what is left, a fresh aggregate counts it all, then the exactly-once checks. */
async function finishExactly(t: TestEnv, voters: number, session: string[]): Promise<void> {
  const rest = await runJson(['vote', '--exit-when-idle', '3s', ...session], t.env)
  assert.equal(rest.code, 0, rest.stderr)
  const drain = await runJson(['aggregate', '--exit-when-idle', '3s', ...session], t.env)
  assert.equal(drain.code, 0, drain.stderr)
  await assertExactlyOnce(t, voters)
}

/**
 * An election of `voters` on `services`, which the describe's tests may kill; afterwards they are
 * up again for the next describe.
 */
function electionOnKillableServices(voters: number, services: () => KillableServices): () => TestEnv {
  let t: TestEnv | undefined
  before(async () => {
    t = await prepare(voters, 6, services().env)
  })
  after(async () => {
    killAllCli()
    await services().restart() // whatever happened
    await t?.drop()
  })
  return () => t!
}

// The outages strike services of their own: the suite's serve the files running beside this one.
describe('faults: outages, on a broker and a Postgres of their own', function () {
  let own: KillableServices | undefined
  before(async function () {
    this.timeout(5 * 60_000)
    own = await KillableServices.up()
  })
  after(async function () {
    this.timeout(3 * 60_000)
    await own?.down()
  })
  const services = () => own!
  const session = ['--session-timeout', '6s']

  describe('faults: the broker and Postgres killed (kill -9) and restarted mid-run', function () {
    this.timeout(6 * 60_000)
    const VOTERS = 8000
    const election = electionOnKillableServices(VOTERS, services)

    it('carries on exactly, never takes an outage for idle, and stops promptly on SIGTERM afterwards', async () => {
      const t = election()
      const vote = startCli(['vote', '--rate', '300', '--exit-when-idle', '3s', ...session], t.env)
      const aggregate = startCli(['aggregate', '--exit-when-idle', '3s', ...session], t.env)
      // During and after the Postgres outage no vote can be cast, so aggregate may rightly find
      // its input idle (and exit 0); vote, which holds unvoted voters, must not.
      const running = async (what: string, members: Array<'vote' | 'aggregate'> = ['vote', 'aggregate']) => {
        for (const [name, child] of (
          [
            ['vote', vote],
            ['aggregate', aggregate],
          ] as const
        ).filter(([n]) => members.includes(n))) {
          if (child.exitCode !== null)
            assert.fail(`${name} exited ${what} (exit ${child.exitCode}): ${(await waitFor(child)).stderr.slice(-3000)}`)
        }
      }
      // Both must be under way (joined, counting) before the broker goes.
      await underWay(t)
      await services().killBroker()
      await sleep(7000) // more than --exit-when-idle: no fetch succeeds, so this is not idle
      await running('during the broker outage')
      await services().restart()
      await sleep(5000)
      await services().killPostgres()
      await sleep(5000)
      await running('during the Postgres outage', ['vote'])
      await services().restart()
      await sleep(4000)
      await running('after the outages', ['vote'])
      await Promise.all([stopCleanly(vote, 'vote'), stopCleanly(aggregate, 'aggregate')])
      await finishExactly(t, VOTERS, session)
    })
  })

  describe('faults: Postgres gone for longer than the session timeout', function () {
    this.timeout(5 * 60_000)
    const VOTERS = 4000
    const election = electionOnKillableServices(VOTERS, services)

    it('vote and aggregate keep their place in the group while they retry (no rejoin), then carry on exactly', async () => {
      const t = election()
      const [votePort, aggregatePort] = [await freePort(), await freePort()]
      const vote = startCli(['vote', '--rate', '300', '--metrics-port', String(votePort), ...session], t.env)
      const aggregate = startCli(['aggregate', '--metrics-port', String(aggregatePort), ...session], t.env)
      await underWay(t)
      const joins = 'election_consumer_group_joins_total'
      const before = {
        vote: await scrapeUntil(votePort, vote, (m) => m.value('election_votes_cast_total') > 0),
        aggregate: await scrapeUntil(aggregatePort, aggregate, (m) => m.value('election_votes_counted_total') > 0),
      }
      await services().killPostgres()
      // Two and a half session timeouts: a member that sends no heartbeat while it retries is dropped by the group.
      await sleep(15_000)
      await services().restart()
      // Both work again: vote casts and aggregate counts votes it had not counted before the outage.
      const after = {
        vote: await scrapeUntil(
          votePort,
          vote,
          (m) => m.value('election_votes_cast_total') > before.vote.value('election_votes_cast_total'),
        ),
        aggregate: await scrapeUntil(
          aggregatePort,
          aggregate,
          (m) => m.value('election_votes_counted_total') > before.aggregate.value('election_votes_counted_total'),
        ),
      }
      assert.equal(after.vote.value(joins), before.vote.value(joins), 'vote rejoined its group after the outage')
      assert.equal(after.aggregate.value(joins), before.aggregate.value(joins), 'aggregate rejoined its group after the outage')
      await Promise.all([stopCleanly(vote, 'vote'), stopCleanly(aggregate, 'aggregate')])
      await finishExactly(t, VOTERS, session)
    })
  })

  describe('faults: stopped while the broker is gone for good', function () {
    this.timeout(5 * 60_000)
    const VOTERS = 6000
    const election = electionOnKillableServices(VOTERS, services)

    // Without a bound, kafkajs retried its way through the stop: vote took 21 s to end after SIGTERM, aggregate 94 s.
    const title = 'a signal ends vote and aggregate within --stop-timeout (or at once on a second signal), with one line and nothing lost'
    it(title, async () => {
      const t = election()
      const vote = startCli(['vote', '--rate', '300', '--stop-timeout', '3s', ...session], t.env)
      const aggregate = startCli(['aggregate', '--stop-timeout', '3s', ...session], t.env)
      await underWay(t)
      await services().killBroker()
      await sleep(2000)
      const ended = Promise.all([waitFor(vote), waitFor(aggregate)])
      vote.kill('SIGTERM')
      aggregate.kill('SIGTERM')
      await sleep(500)
      vote.kill('SIGINT') // a second signal: no waiting for the grace
      const [v, a] = await ended // a hang is bounded by the test's timeout
      assert.equal(v.code, 130, `vote: ${v.stderr.slice(-2000)}`)
      assert.match(v.stderr, /^Error: stopped at once on a second SIGINT, without a clean shutdown$/m)
      assert.equal(a.code, 4, `aggregate: ${a.stderr.slice(-2000)}`)
      assert.match(a.stderr, /^Error: stopped without a clean shutdown: Kafka or Postgres did not answer within --stop-timeout 3s$/m)
      for (const r of [v, a]) {
        assert.match(r.stderr, /^ {2}Try: nothing is lost: what was not committed is consumed again by the next run$/m)
        assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
      }

      await services().restart()
      await finishExactly(t, VOTERS, session)
    })
  })
})
