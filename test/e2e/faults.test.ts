/**
 * The fault suite: what real streams contain and what real machines do. Each scenario runs the
 * built CLI against the real broker and Postgres and ends with the exactly-once checks: totals
 * equal to Postgres (verify), every voter voted once, one committed votes_topic record per voter.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'

import {topicNames} from '../../src/lib/kafka/topics.js'
import {VoterFactory} from '../../src/lib/generate/voters.js'
import {killAllCli, runJson, startCli, waitFor, type CliResult} from '../helpers/cli.js'
import {count, ok, produce, readTopic, sql, type KafkaRecord} from '../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface VerifyJson {
  ok: boolean
  votes: number
  differences: unknown[]
}

/** verify exits 0, every registered voter voted once, and votes_topic holds one committed record per voter. */
async function assertExactlyOnce(t: TestEnv, voters: number, ignore: (record: KafkaRecord) => boolean = () => false): Promise<void> {
  const verify = await runJson<VerifyJson>(['verify'], t.env)
  assert.equal(verify.code, 0, `verify: ${JSON.stringify(verify.json.differences?.slice(0, 5))} ${verify.stderr}`)
  assert.equal(verify.json.votes, voters)
  assert.equal(await count(t, 'votes'), voters, 'every registered voter voted once')
  const perVoter = new Map<string, number>()
  for (const record of await readTopic(t, topicNames(t.env).votes)) {
    if (!ignore(record)) perVoter.set(record.key ?? '', (perVoter.get(record.key ?? '') ?? 0) + 1)
  }
  const twice = [...perVoter].filter(([, n]) => n > 1)
  assert.deepEqual(twice.slice(0, 5), [], `${twice.length} voters have more than one record on votes_topic`)
  assert.equal(perVoter.size, voters, 'one votes_topic record per voter')
}

async function prepare(voters: number, partitions = 6): Promise<TestEnv> {
  const t = await freshEnv()
  await ok(t, 'init-db', '--partitions', String(partitions))
  await ok(t, 'seed-candidates')
  await ok(t, 'register-voters', '--count', String(voters))
  return t
}

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
    const forged = candidates!.map((c) => ({key: real!.voter_id, value: JSON.stringify({...sample, voter_id: real!.voter_id, candidate_id: c.candidate_id, voting_time: new Date().toISOString(), vote: 1})}))
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
    const template = JSON.parse((await readTopic(t, names.votes)).find((r) => !forged.some((f) => f.value === r.value))!.value!) as Record<string, unknown> & {address: Record<string, unknown>}
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
    for (const bad of [...badVoters, ...badVotes, ...mismatched]) assert.ok(reasonOf(bad.value).length > 3, `dead letter with a reason for ${bad.key}: ${reasonOf(bad.value)}`)
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
