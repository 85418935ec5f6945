import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'

import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import {allOf, assertCleanError, count, election, readTopic} from '../helpers/pipeline.js'
import type {AggregateStats} from '../../src/commands/aggregate.js'
import type {VerifyResult} from '../../src/commands/verify.js'

/** The elections of this file, prepared at once the first time one is needed. */
let prepared: Promise<[TestEnv, TestEnv, TestEnv]> | undefined
function elections() {
  prepared ??= (async () => {
    const envs = await Promise.all([freshEnv(), freshEnv(), freshEnv()])
    await Promise.all([election(envs[0], 300), election(envs[1], 50), election(envs[2], 20)])
    return envs
  })()
  return prepared
}

describe('election aggregate', () => {
  // t: counted once here, before the tests look at it; uncounted: votes nobody may count.
  let t: TestEnv
  let uncounted: TestEnv
  let first: {code: number | null; json: AggregateStats; stderr: string}
  before(async () => {
    ;[t, , uncounted] = await elections()
    first = await runJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
  })
  after(async () => Promise.all([t?.drop(), uncounted?.drop()]))

  it('refuses a bad or out-of-range duration with one clear line naming the flag, counting nothing', async () => {
    const t = uncounted
    const [zero, breakdownZero, overflow, session] = await Promise.all([
      runCli(['aggregate', '--publish-interval', '0ms'], t.env),
      runCli(['aggregate', '--breakdown-interval', '0s'], t.env),
      // Beyond a Node timer's 2^31-1 ms the interval fired every millisecond.
      runCli(['aggregate', '--publish-interval', '1300h', '--exit-when-idle', '2s'], t.env),
      runCli(['aggregate', '--session-timeout', '5999ms', '--exit-when-idle', '2s'], t.env),
    ])
    allOf([
      ['--publish-interval 0ms', () => assertCleanError(zero, 2, /publish-interval|duration/, /0ms/)],
      ['--breakdown-interval 0s', () => assertCleanError(breakdownZero, 2, /--breakdown-interval/, /0s/)],
      ['--publish-interval 1300h', () => assertCleanError(overflow, 2, /--publish-interval/, /1300h/, /at most 500h/)],
      ['--session-timeout 5999ms', () => assertCleanError(session, 2, /--session-timeout/, /5999ms/, /6s to 30m/)],
    ])
    assert.equal(await count(t, 'votes'), 20, 'there were votes to count')
    assert.equal(await count(t, 'aggregator_counted_votes'), 0)
  })

  it('counts every vote once, exits 0 when idle, and the aggregates verify', async () => {
    const {code, json, stderr} = first
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), [
      'consumed',
      'counted',
      'deadLettered',
      'duplicates',
      'latencyMs',
      'published',
      'seconds',
      'stopReason',
      'votesPerSecond',
    ])
    const votes = await count(t, 'votes')
    assert.equal(votes, 300)
    assert.equal(json.counted, votes)
    assert.equal(json.consumed, votes)
    assert.equal(json.duplicates, 0)
    assert.equal(json.deadLettered, 0)
    assert.equal(json.stopReason, 'idle')
    assert.ok(json.published > 0, 'published totals')
    assert.equal(json.latencyMs.count, votes)
    assert.equal(await count(t, 'aggregator_counted_votes'), votes)
    const verify = await runJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
    // The candidate totals on the compacted topic add up to the votes.
    const latest = new Map<string, number>()
    for (const r of await readTopic(t, topicNames(t.env).aggregates.candidate))
      latest.set(r.key!, (JSON.parse(r.value!) as {total_votes: number}).total_votes)
    assert.equal(latest.size, 3)
    assert.equal(
      [...latest.values()].reduce((a, b) => a + b, 0),
      votes,
    )
    // The latency summary is consistent: 0 < p50 <= p99 <= max.
    const {p50, p99, max} = json.latencyMs
    assert.ok(p50 > 0 && p50 <= p99 && p99 <= max, `latency summary p50 ${p50}, p99 ${p99}, max ${max}: p99 must not exceed max`)
  })

  it('a second run counts nothing again', async () => {
    assert.equal(first.json.counted, 300, 'the first run counted every vote')
    const {code, json, stderr} = await runJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.counted, 0)
    assert.equal(await count(t, 'aggregator_counted_votes'), 300)
    const verify = await runJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
  })
})

describe('election aggregate: malformed records on votes_topic', () => {
  let t: TestEnv
  const bad: Array<{key: string; value: string}> = []
  before(async () => {
    ;[, t] = await elections()
    const [sample] = await readTopic(t, topicNames(t.env).votes)
    const vote = JSON.parse(sample!.value!) as Record<string, unknown>
    const stranger = randomUUID()
    bad.push(
      {key: 'not-json', value: '{"voter_id": "broken'},
      {key: 'missing-fields', value: JSON.stringify({voter_id: 'missing-fields', candidate_id: vote.candidate_id})},
      // A well-formed vote for a candidate nobody seeded (and a voter nobody registered).
      {key: stranger, value: JSON.stringify({...vote, voter_id: stranger, candidate_id: randomUUID(), candidate_name: 'Nobody'})},
    )
    const producer = createKafka(t.settings.kafka).producer()
    await producer.connect()
    await producer.send({topic: topicNames(t.env).votes, acks: -1, messages: bad})
    await producer.disconnect()
  })
  after(async () => t?.drop())

  it('dead-letters them with a reason, counts every real vote, and verify still passes', async () => {
    const {code, json, stderr} = await runJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.counted, 50)
    assert.equal(json.deadLettered, 3)
    const dead = await readTopic(t, topicNames(t.env).deadLetter)
    assert.equal(dead.length, 3)
    assert.deepEqual(dead.map((r) => r.value).sort(), bad.map((b) => b.value).sort(), 'the records as they came')
    for (const r of dead) {
      assert.ok(r.headers.reason && r.headers.reason.length > 3, `reason header: ${JSON.stringify(r.headers)}`)
      assert.equal(r.headers.source_topic, topicNames(t.env).votes)
    }
    const reason = (value: string) => dead.find((r) => r.value === value)!.headers.reason!
    assert.match(reason(bad[0]!.value), /JSON/i)
    assert.match(reason(bad[1]!.value), /field|missing|required/i)
    assert.match(reason(bad[2]!.value), /candidate/i)
    const verify = await runJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
    assert.equal(verify.json.votes, 50)
  })
})
