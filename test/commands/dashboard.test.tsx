import assert from 'node:assert/strict'

import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import type {Snapshot} from '../../src/commands/dashboard.js'
import {candidate, createAggregateTopics, kafkaFor, produceAggregates, seedDatabase} from '../lib/dashboard/kafka-fixtures.js'

interface JsonError {
  error: {message: string; suggestions: string[]; exitCode: number}
}

describe('election dashboard (CLI)', () => {
  let t: TestEnv
  beforeEach(async () => {
    t = await freshEnv()
  })
  afterEach(async () => {
    await t.drop()
  })

  it('fails with exit 3 and "election init-db" when the tables are missing', async () => {
    const {code, json} = await runJson<JsonError>(['dashboard', '--once'], t.env)
    assert.equal(code, 3)
    assert.match(json.error.message, /tables missing/)
    assert.match(json.error.message, /election init-db/)
  })

  it('--once --json reads the topics to their end: latest value per key, tombstones, totals, leader, shares', async () => {
    await seedDatabase(t)
    const kafka = kafkaFor(t)
    await createAggregateTopics(kafka, t)
    await produceAggregates(kafka, t, [
      {kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 1)},
      {kind: 'candidate', key: 'ghost', value: candidate('ghost', 'Ghost', 'None', 50)},
      {kind: 'candidate', key: 'b', value: candidate('b', 'Ben', 'Blue', 1)},
      {kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 2)},
      {kind: 'candidate', key: 'ghost', value: null},
      {kind: 'location', key: 'Kent', value: {state: 'Kent', count: 2, updated_at: new Date().toISOString()}},
      {kind: 'location', key: 'Fife', value: {state: 'Fife', count: 1, updated_at: new Date().toISOString()}},
      {kind: 'gender', key: 'female', value: {gender: 'female', count: 3, updated_at: new Date().toISOString()}},
      {kind: 'age', key: '25-34', value: {age_band: '25-34', count: 1, updated_at: new Date().toISOString()}},
      {kind: 'age', key: '18-24', value: {age_band: '18-24', count: 2, updated_at: new Date().toISOString()}},
      {kind: 'party', key: 'Red', value: {party_affiliation: 'Red', total_votes: 2, updated_at: new Date().toISOString()}},
      {kind: 'party', key: 'Blue', value: {party_affiliation: 'Blue', total_votes: 1, updated_at: new Date().toISOString()}},
      {kind: 'location_candidate', key: 'Kent|a', value: {...candidate('a', 'Ann', 'Red', 2), state: 'Kent'}},
      {kind: 'location_candidate', key: 'Fife|b', value: {...candidate('b', 'Ben', 'Blue', 1), state: 'Fife'}},
      {kind: 'location_candidate', key: 'Fife|a', value: {...candidate('a', 'Ann', 'Red', 1), state: 'Fife'}},
      {kind: 'location_candidate', key: 'Fife|a', value: null},
    ])
    // That --once stops at the end of the topics, not at an idle timeout, is test/lib/dashboard/snapshot.test.tsx's.
    const {code, json, stderr} = await runJson<Snapshot>(['dashboard', '--once'], t.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(json.totals, {voters: 4, candidates: 2, votes: 3, counted: 3, turnoutPct: 75})
    assert.deepEqual(json.leader, {
      candidate_id: 'a',
      candidate_name: 'Ann',
      party_affiliation: 'Red',
      photo_url: 'https://example.test/a.jpg',
      total_votes: 2,
      share: 66.67,
      lead: 1,
      runner_up: 'Ben',
    })
    assert.deepEqual(
      json.candidates.map((c) => [c.candidate_id, c.total_votes, c.share]),
      [
        ['a', 2, 66.67],
        ['b', 1, 33.33],
      ],
    )
    assert.deepEqual(
      json.locations.map((l) => [l.state, l.count, l.share]),
      [
        ['Kent', 2, 66.67],
        ['Fife', 1, 33.33],
      ],
    )
    // Turnout per region from Postgres' registrations (2 voters each in Kent and Fife); the tombstone removed Ann from Fife.
    assert.deepEqual(json.regions, [
      {state: 'Kent', leader: 'Ann', leaderId: 'a', leaderShare: 100, margin: 100, counted: 2, turnoutPct: 100},
      {state: 'Fife', leader: 'Ben', leaderId: 'b', leaderShare: 100, margin: 100, counted: 1, turnoutPct: 50},
    ])
    assert.deepEqual(json.gender, [{gender: 'female', count: 3, share: 100}])
    assert.deepEqual(
      json.age.map((a) => a.age_band),
      ['18-24', '25-34'],
    )
    assert.deepEqual(
      json.party.map((p) => [p.party_affiliation, p.total_votes]),
      [
        ['Red', 2],
        ['Blue', 1],
      ],
    )
    assert.equal(json.connection.kafka.status, 'connected')
    assert.ok(json.health.latencyMs.latest !== null && json.health.latencyMs.latest >= 0, 'latency from the record timestamp')
    assert.equal(json.health.lag, null, 'no votes topic in this namespace')
  })

  it('without a TTY and without flags, prints one snapshot as tables and exits 0', async () => {
    await seedDatabase(t)
    const kafka = kafkaFor(t)
    await createAggregateTopics(kafka, t, ['candidate'])
    await produceAggregates(kafka, t, [
      {kind: 'candidate', key: 'a', value: candidate('a', 'Ann', 'Red', 3)},
      {kind: 'candidate', key: 'b', value: candidate('b', 'Ben', 'Blue', 1)},
    ])
    const result = await runCli(['dashboard'], t.env)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Voters 4 {2}Candidates 2 {2}Votes cast 3 {2}Counted 4 {2}Turnout 75\.0%/)
    assert.match(result.stdout, /Leading: Ann \(Red\) 3 votes, 75\.0%, lead 2 over Ben/)
    assert.match(result.stdout, /│ a +│ Ann +│ Red +│ +3 │ +75\.0% │/)
    assert.ok(!result.stdout.includes('\u001B['), 'no colour codes in a pipe')
  })

  it('an empty election is a clear "waiting for votes", without NaN', async () => {
    await seedDatabase(t)
    const result = await runCli(['dashboard', '--once'], t.env)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Waiting for votes/)
    assert.doesNotMatch(result.stdout, /NaN|Infinity/)
  })

  it('--once with the broker unreachable: one line naming the brokers, exit 4, well within 30 s', async () => {
    await seedDatabase(t)
    const started = Date.now()
    const result = await runCli(['dashboard', '--once'], {...t.env, KAFKA_BROKERS: '127.0.0.1:1'})
    assert.equal(result.code, 4, result.stderr)
    assert.match(result.stderr, /^Error: Kafka at 127\.0\.0\.1:1 is unreachable/m)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
    assert.ok(Date.now() - started < 30_000)
  })

  it('--interval is bounded to 0-60 s', async () => {
    const result = await runCli(['dashboard', '--once', '--interval', '61'], t.env)
    assert.equal(result.code, 2)
  })
})
