import assert from 'node:assert/strict'

import {KafkaJSProtocolError} from 'kafkajs'
import {register, Registry} from 'prom-client'

import type {Snapshot} from '../../../src/lib/dashboard/types.js'
import {DEAD_LETTER_CATEGORIES, type Rejected} from '../../../src/lib/kafka/messages.js'
import {observeDashboard} from '../../../src/lib/metrics/dashboard.js'
import {AggregateMetrics, retriedSystem, VoteMetrics} from '../../../src/lib/metrics/pipeline.js'
import {fixtureSnapshot} from '../dashboard/fixtures.js'
import {parseMetrics, Scrape} from '../../helpers/metrics.js'

const read = async (registry: Registry) => new Scrape(parseMetrics(await registry.metrics()))
const rejected = (category: Rejected['category']): Rejected => ({
  category,
  reason: `free text naming ${Math.random()}`,
  key: null,
  value: null,
  offset: '0',
})

describe('metrics: what the pipeline counts', () => {
  it('each set has its own registry: two in one process neither clash nor share, and the global registry stays empty', async () => {
    const first = new VoteMetrics()
    const second = new VoteMetrics()
    new AggregateMetrics(new Registry())
    first.votesCast.inc(5)
    second.votesCast.inc(2)
    assert.equal((await read(first.registry)).value('election_votes_cast_total'), 5)
    assert.equal((await read(second.registry)).value('election_votes_cast_total'), 2)
    assert.equal((await register.getMetricsAsJSON()).length, 0)
  })

  it('labels dead letters by category only (bounded), every category present from the start', async () => {
    const metrics = new AggregateMetrics()
    metrics.deadLettered([rejected('invalid_json'), rejected('candidate_mismatch'), rejected('candidate_mismatch')])
    const samples = (await read(metrics.registry)).find('election_dead_letters_total')
    assert.deepEqual(samples.map((s) => s.labels.reason).sort(), [...DEAD_LETTER_CATEGORIES].sort())
    assert.deepEqual(Object.fromEntries(samples.filter((s) => s.value > 0).map((s) => [s.labels.reason, s.value])), {
      invalid_json: 1,
      candidate_mismatch: 2,
    })
  })

  it('tells which system a retried failure came from', async () => {
    const postgresShutdown = Object.assign(new Error('terminating connection due to administrator command'), {code: '57P01'})
    assert.equal(retriedSystem(new KafkaJSProtocolError('The coordinator is not available')), 'kafka')
    assert.equal(retriedSystem(postgresShutdown), 'postgres')
    assert.equal(retriedSystem(new Error('Connection terminated unexpectedly')), 'postgres')
    assert.equal(retriedSystem(new TypeError('x is undefined')), 'other')
    const metrics = new VoteMetrics()
    metrics.retried(postgresShutdown)
    assert.equal((await read(metrics.registry)).value('election_retries_total', {system: 'postgres'}), 1)
  })

  it('observes end-to-end latency in seconds, into cumulative buckets', async () => {
    const metrics = new AggregateMetrics()
    for (const ms of [40, 90, 180, 2000]) metrics.latencyMs(ms)
    const scrape = await read(metrics.registry)
    assert.equal(scrape.value('election_vote_latency_seconds_count'), 4)
    assert.equal(scrape.value('election_vote_latency_seconds_bucket', {le: '0.1'}), 2)
    assert.equal(scrape.value('election_vote_latency_seconds_bucket', {le: '+Inf'}), 4)
    assert.ok(Math.abs(scrape.value('election_vote_latency_seconds_sum') - 2.31) < 1e-9)
  })

  it("the dashboard's gauges are what its latest snapshot shows", async () => {
    const registry = new Registry()
    const shown: {snapshot?: Snapshot} = {}
    observeDashboard(registry, () => shown.snapshot)
    assert.equal((await read(registry)).find('election_dashboard_connection_up').length, 0, 'nothing before the first snapshot')
    const snapshot = (shown.snapshot = fixtureSnapshot())
    snapshot.connection.postgres = {status: 'unreachable', detail: 'connection refused'}
    const scrape = await read(registry)
    assert.equal(scrape.value('election_dashboard_connection_up', {service: 'kafka'}), 1)
    assert.equal(scrape.value('election_dashboard_connection_up', {service: 'postgres'}), 0)
    assert.equal(scrape.value('election_dashboard_votes_counted'), snapshot.totals.counted)
    assert.equal(scrape.value('election_dashboard_aggregator_lag'), 42)
  })
})
