/**
 * The fault suite: what real streams contain and what real machines do. Each scenario runs the
 * built CLI against the real broker and Postgres and ends with the exactly-once checks: totals
 * equal to Postgres (verify), every voter voted once, one committed votes_topic record per voter.
 * The outages of the broker and Postgres are in outages.test.ts.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'

import {topicNames} from '../../src/lib/kafka/topics.js'
import {VoterFactory} from '../../src/lib/generate/voters.js'
import {runJson, startCli} from '../helpers/cli.js'
import {assertExactlyOnce, prepare, preparedElection, produce, readTopic, sql, stopCleanly} from '../helpers/pipeline.js'
import type {TestEnv} from '../helpers/services.js'

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
