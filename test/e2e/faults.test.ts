/**
 * The fault suite: what real streams contain and what real machines do. Each scenario runs the
 * built CLI against the real broker and Postgres and ends with the exactly-once checks: totals
 * equal to Postgres (verify), every voter voted once, one committed votes_topic record per voter.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'

import {topicNames} from '../../src/lib/kafka/topics.js'
import {VoterFactory} from '../../src/lib/generate/voters.js'
import {killAllCli, runJson, startCli, waitFor} from '../helpers/cli.js'
import {assertExactlyOnce, count, prepare, preparedElection, produce, readTopic, sql, stopCleanly, until} from '../helpers/pipeline.js'
import type {TestEnv} from '../helpers/services.js'
import {KillableServices} from '../helpers/outages.js'
import {scrapeUntil} from '../helpers/metrics.js'
import {freePort} from '../../src/lib/services/process.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('faults: poison records on voters_topic and votes_topic', function () {
  this.timeout(5 * 60_000)
  const VOTERS = 600
  let t: TestEnv
  before(async () => {
    t = await prepare(VOTERS)
  })
  after(async () => t?.drop())

  it('dead-letters each poison record with a reason, processes every other record, and stays exact', async () => {
    const names = topicNames(t.env)
    const [real] = await sql<{voter_id: string}>(t, 'SELECT voter_id FROM voters ORDER BY voter_id LIMIT 1')
    const [candidates] = [await sql<{candidate_id: string}>(t, 'SELECT candidate_id FROM candidates ORDER BY candidate_id')]
    const sample = new VoterFactory(7, 'en_GB').voter(0) // a well-formed voter that is not registered

    // A forged vote for a real voter, arriving before the real one: one per candidate, so all but
    // the stored choice differ from what Postgres will hold.
    const forged = candidates!.map((c) => ({
      key: real!.voter_id,
      value: JSON.stringify({
        ...sample,
        voter_id: real!.voter_id,
        candidate_id: c.candidate_id,
        voting_time: new Date().toISOString(),
        vote: 1,
      }),
    }))
    await produce(t, names.votes, forged)

    // voters_topic poison: each key differs from its voter_id, so the dead letter must carry the record itself.
    const badVoters = [
      {key: 'nul-voter', value: JSON.stringify({...sample, voter_id: `nul\u0000${sample.voter_id}`})},
      {key: 'long-voter', value: JSON.stringify({...sample, voter_id: 'v'.repeat(300)})},
      {key: 'stranger', value: JSON.stringify(sample)},
    ]
    await produce(t, names.voters, badVoters)
    const vote = await runJson<{votes: number; deadLettered: number}>(['vote', '--exit-when-idle', '2s'], t.env)
    assert.equal(vote.code, 0, vote.stderr)
    assert.equal(vote.json.votes, VOTERS)
    assert.equal(vote.json.deadLettered, badVoters.length)

    // votes_topic poison: well-formed votes but for values Postgres cannot hold, or a voter it does not know.
    const template = JSON.parse((await readTopic(t, names.votes)).find((r) => !forged.some((f) => f.value === r.value))!.value!) as Record<
      string,
      unknown
    > & {address: Record<string, unknown>}
    const badVotes = [
      {key: 'long-id', value: JSON.stringify({...template, voter_id: 'x'.repeat(300)})},
      {key: 'long-state', value: JSON.stringify({...template, address: {...template.address, state: 's'.repeat(8000)}})},
      {key: 'nul-gender', value: JSON.stringify({...template, gender: 'fe\u0000male'})},
      {key: 'stranger', value: JSON.stringify({...template, voter_id: sample.voter_id})},
    ]
    await produce(t, names.votes, badVotes)
    const aggregate = await runJson<{counted: number; deadLettered: number}>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(aggregate.code, 0, aggregate.stderr)
    assert.equal(aggregate.json.counted, VOTERS)
    const [stored] = await sql<{candidate_id: string}>(t, 'SELECT candidate_id FROM votes WHERE voter_id = $1', [real!.voter_id])
    const mismatched = forged.filter((f) => (JSON.parse(f.value) as {candidate_id: string}).candidate_id !== stored!.candidate_id)
    assert.equal(mismatched.length, candidates!.length - 1)
    assert.equal(aggregate.json.deadLettered, badVotes.length + mismatched.length)

    const dead = await readTopic(t, names.deadLetter)
    const reasonOf = (value: string) => dead.find((d) => d.value === value)?.headers.reason ?? ''
    for (const bad of [...badVoters, ...badVotes, ...mismatched])
      assert.ok(reasonOf(bad.value).length > 3, `dead letter with a reason for ${bad.key}: ${reasonOf(bad.value)}`)
    assert.match(reasonOf(badVoters[0]!.value), /voter_id.*(NUL|\\u0000|null character)/i)
    assert.match(reasonOf(badVoters[1]!.value), /voter_id.*255/i)
    assert.match(reasonOf(badVoters[2]!.value), /unknown voter/i)
    assert.match(reasonOf(badVotes[0]!.value), /voter_id.*255/i)
    assert.match(reasonOf(badVotes[1]!.value), /state.*255/i)
    assert.match(reasonOf(badVotes[2]!.value), /gender.*(NUL|\\u0000|null character)/i)
    assert.match(reasonOf(badVotes[3]!.value), /unknown voter/i)
    for (const m of mismatched) assert.match(reasonOf(m.value), /candidate.*stored|stored.*candidate/i)
    assert.equal(dead.length, badVoters.length + badVotes.length + mismatched.length, 'nothing else dead-lettered')

    const injected = new Set([...forged, ...badVotes].map((r) => r.value))
    await assertExactlyOnce(t, VOTERS, (r) => injected.has(r.value ?? ''))
  })
})

/** SIGSTOPs a process for `ms` (past the session timeout: the group evicts it), then resumes it. */
async function pause(child: ChildProcess, ms: number, log: string[], name: string): Promise<void> {
  child.kill('SIGSTOP')
  log.push(`${name} stopped`)
  await sleep(ms)
  child.kill('SIGCONT')
  log.push(`${name} resumed`)
}

describe('faults: zombie members (SIGSTOP past the session timeout, then SIGCONT)', function () {
  this.timeout(6 * 60_000)
  const VOTERS = 12_000
  const session = ['--session-timeout', '6s']
  const election = preparedElection(VOTERS)

  it('a paused vote or aggregate member never duplicates, never dies, and rejoins', async () => {
    const t = election()
    const log: string[] = []
    const voters = [startCli(['vote', '--rate', '250', ...session], t.env), startCli(['vote', '--rate', '250', ...session], t.env)]
    const aggregators = [startCli(['aggregate', ...session], t.env), startCli(['aggregate', ...session], t.env)]
    await sleep(5000)
    // Each pause outlasts the session: the other member takes the partitions (and fences the
    // paused one's producers); the paused one comes back mid-transaction.
    await Promise.all([pause(voters[0]!, 9000, log, 'vote 1'), pause(aggregators[0]!, 9000, log, 'aggregate 1')])
    await sleep(4000)
    await Promise.all([pause(voters[1]!, 9000, log, 'vote 2'), pause(aggregators[1]!, 9000, log, 'aggregate 2')])
    await sleep(4000)
    await pause(voters[0]!, 9000, log, 'vote 1')
    await sleep(3000)

    // Every zombie healed: each is still running and stops cleanly.
    for (const [i, child] of voters.entries()) assert.equal(child.exitCode, null, `vote ${i + 1} exited early: ${log.join('; ')}`)
    for (const [i, child] of aggregators.entries()) assert.equal(child.exitCode, null, `aggregate ${i + 1} exited early: ${log.join('; ')}`)
    await Promise.all(voters.map((v, i) => stopCleanly(v, `vote ${i + 1}`)))
    const rest = await runJson(['vote', '--exit-when-idle', '3s', ...session], t.env)
    assert.equal(rest.code, 0, rest.stderr)
    await Promise.all(aggregators.map((a, i) => stopCleanly(a, `aggregate ${i + 1}`)))
    const drain = await runJson(['aggregate', '--exit-when-idle', '3s', ...session], t.env)
    assert.equal(drain.code, 0, drain.stderr)
    await assertExactlyOnce(t, VOTERS)
  })
})

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
