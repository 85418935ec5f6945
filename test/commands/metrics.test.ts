import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'
import {createServer} from 'node:net'

import {VoterFactory} from '../../src/lib/generate/voters.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {freePort} from '../../src/lib/services/process.js'
import type {AggregateStats} from '../../src/commands/aggregate.js'
import type {VoteStats} from '../../src/commands/vote.js'
import {finishCli, runCli, startCli} from '../helpers/cli.js'
import {scrape, scrapeKeepingAlive, scrapeUntil, type Scrape} from '../helpers/metrics.js'
import {allOf, assertCleanError, assertJsonError, ok, produce, readTopic, sql} from '../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

const VOTERS = 500

/** Dead letters by reason category, leaving out the categories at 0. */
const deadLettersByReason = (metrics: Scrape) =>
  Object.fromEntries(
    metrics
      .find('election_dead_letters_total')
      .filter((s) => s.value > 0)
      .map((s) => [s.labels.reason, s.value]),
  )

/** Every lag series of `topic` (at least one), all at 0: the member has caught up. */
const caughtUp = (metrics: Scrape, topic: string) => {
  const lag = metrics.find('election_consumer_lag', {topic})
  return lag.length > 0 && lag.every((s) => s.value === 0)
}

/** Runs a started CLI to its end and parses its --json summary. */
async function summary<T>(child: ReturnType<typeof startCli>, args: string[]): Promise<T> {
  const result = await finishCli(child, args, 60_000)
  assert.equal(result.code, 0, `election ${args.join(' ')} exited ${result.code}:\n${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

describe('--metrics-port: Prometheus metrics scraped during a real run', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
    await ok(t, 'init-db')
    await Promise.all([ok(t, 'seed-candidates'), ok(t, 'register-voters', '--count', String(VOTERS))])
    // Poison on voters_topic: one record per dead-letter category vote can meet.
    const stranger = new VoterFactory(999, 'en_GB').voter(0) // valid shape, not in Postgres
    await produce(t, topicNames(t.env).voters, [
      {key: 'not-json', value: 'this is {not JSON'},
      {key: 'missing-fields', value: JSON.stringify({voter_id: 'missing-fields'})},
      {key: stranger.voter_id, value: JSON.stringify(stranger)},
    ])
  })
  after(async () => t?.drop())

  it('vote: the counters match the --json summary (votes, new votes, dead letters by reason)', async () => {
    const port = await freePort()
    const args = ['vote', '--exit-when-idle', '3s', '--metrics-port', String(port), '--json']
    const child = startCli(args, t.env)
    const metrics = await scrapeUntil(
      port,
      child,
      (m) => m.value('election_votes_cast_total') >= VOTERS && m.value('election_dead_letters_total') >= 3,
    )
    const json = await summary<VoteStats>(child, args)
    assert.equal(json.votes, VOTERS)
    allOf([
      ['votes cast', () => assert.equal(metrics.value('election_votes_cast_total'), json.votes)],
      ['new votes', () => assert.equal(metrics.value('election_votes_new_total'), json.newVotes)],
      ['dead letters', () => assert.equal(metrics.value('election_dead_letters_total'), json.deadLettered)],
      ['by reason', () => assert.deepEqual(deadLettersByReason(metrics), {invalid_json: 1, invalid_field: 1, unknown_voter: 1})],
      [
        'a committed transaction per chunk',
        () => assert.ok(metrics.value('election_kafka_transactions_total', {outcome: 'committed'}) >= 1),
      ],
      [
        'aborted transactions are reported',
        () => assert.equal(metrics.find('election_kafka_transactions_total', {outcome: 'aborted'}).length, 1),
      ],
      [
        'retries are reported per system',
        () =>
          assert.deepEqual(
            metrics
              .find('election_retries_total')
              .map((s) => s.labels.system)
              .sort(),
            ['kafka', 'other', 'postgres'],
          ),
      ],
      ['joined the group', () => assert.ok(metrics.value('election_consumer_group_joins_total') >= 1)],
      [
        'lag per partition of voters_topic',
        () => assert.ok(metrics.find('election_consumer_lag', {topic: topicNames(t.env).voters}).length >= 1),
      ],
      ['default process metrics', () => assert.ok(metrics.has('process_cpu_seconds_total') && metrics.has('nodejs_eventloop_lag_seconds'))],
    ])
  })

  it('aggregate, port from ELECTION_METRICS_PORT: counted, duplicates, dead letters, latency and lag match the summary', async () => {
    const names = topicNames(t.env)
    const [sample] = await readTopic(t, names.votes)
    const vote = JSON.parse(sample!.value!) as {voter_id: string; candidate_id: string}
    const [other] = await sql<{candidate_id: string}>(t, 'SELECT candidate_id FROM candidates WHERE candidate_id <> $1 LIMIT 1', [
      vote.candidate_id,
    ])
    await produce(t, names.votes, [
      {key: 'not-json', value: '{"voter_id": "broken'},
      {key: 'missing-fields', value: JSON.stringify({voter_id: 'missing-fields', candidate_id: vote.candidate_id})},
      {key: vote.voter_id, value: JSON.stringify({...vote, candidate_id: other!.candidate_id})},
      {key: 'stranger', value: JSON.stringify({...vote, voter_id: randomUUID()})},
      {key: vote.voter_id, value: sample!.value!}, // the same vote again: a duplicate
    ])

    const port = await freePort()
    const args = ['aggregate', '--exit-when-idle', '3s', '--json']
    const child = startCli(args, {...t.env, ELECTION_METRICS_PORT: String(port)})
    const metrics = await scrapeUntil(
      port,
      child,
      (m) =>
        m.value('election_votes_counted_total') >= VOTERS &&
        m.value('election_vote_latency_seconds_count') >= VOTERS &&
        m.value('election_dead_letters_total') >= 4 &&
        m.value('election_votes_duplicate_total') >= 1 &&
        caughtUp(m, names.votes),
    )
    const json = await summary<AggregateStats>(child, args)
    assert.equal(json.counted, VOTERS)
    allOf([
      ['consumed', () => assert.equal(metrics.value('election_votes_consumed_total'), json.consumed)],
      ['counted', () => assert.equal(metrics.value('election_votes_counted_total'), json.counted)],
      ['duplicates', () => assert.equal(metrics.value('election_votes_duplicate_total'), json.duplicates)],
      ['dead letters', () => assert.equal(metrics.value('election_dead_letters_total'), json.deadLettered)],
      [
        'by reason',
        () => assert.deepEqual(deadLettersByReason(metrics), {invalid_json: 1, invalid_field: 1, candidate_mismatch: 1, unknown_voter: 1}),
      ],
      ['latency observations', () => assert.equal(metrics.value('election_vote_latency_seconds_count'), json.latencyMs.count)],
      [
        'latency buckets cumulative',
        () => assert.equal(metrics.value('election_vote_latency_seconds_bucket', {le: '+Inf'}), json.latencyMs.count),
      ],
      ['published totals', () => assert.ok(metrics.value('election_totals_published_total') >= 1)],
      ['joined the group', () => assert.ok(metrics.value('election_consumer_group_joins_total') >= 1)],
    ])
  })

  it('a port in use, or out of range, is a one-line usage error naming --metrics-port (exit 2)', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = String((taken.address() as {port: number}).port)
    try {
      const cases = [
        {args: ['vote', '--metrics-port', port], mentions: [/--metrics-port/, new RegExp(port), /in use/]},
        {args: ['dashboard', '--once', '--metrics-port', port], mentions: [/--metrics-port/, /in use/]},
        {args: ['vote', '--metrics-port', '70000'], mentions: [/--metrics-port/, /70000/]},
        {args: ['aggregate', '--metrics-port', '0'], mentions: [/--metrics-port/, /\b0\b/]},
      ]
      const results = await Promise.all([
        ...cases.map((c) => runCli(c.args, t.env)),
        runCli(['vote', '--json'], {...t.env, ELECTION_METRICS_PORT: port}),
      ])
      allOf([
        ...cases.map((c, i): [string, () => void] => [c.args.join(' '), () => assertCleanError(results[i]!, 2, ...c.mentions)]),
        ['vote --json, ELECTION_METRICS_PORT in use', () => assertJsonError(results[cases.length]!, 2, /--metrics-port/, /in use/)],
      ])
    } finally {
      taken.close()
    }
  })

  it('aggregate stops on SIGTERM with a scraper still connected, closing the endpoint', async () => {
    const port = await freePort()
    const args = ['aggregate', '--metrics-port', String(port), '--json']
    const child = startCli(args, t.env)
    await scrapeUntil(port, child, (m) => m.value('election_consumer_group_joins_total') >= 1)
    const scraper = await scrapeKeepingAlive(port)
    try {
      child.kill('SIGTERM')
      const json = await summary<AggregateStats>(child, args)
      assert.equal(json.stopReason, 'signal')
    } finally {
      scraper.destroy()
    }
    assert.equal(await scrape(port), undefined, 'nothing listens on the metrics port after the command ended')
  })
})
