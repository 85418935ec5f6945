import {BaseCommand} from '../lib/base-command.js'
import {durationFlag, memberFlags} from '../lib/flags.js'
import {runAggregator, type AggregateStats} from '../lib/aggregate/runner.js'
import {startMetrics} from '../lib/metrics/endpoint.js'
import {metricsFlags} from '../lib/metrics/flags.js'
import {AggregateMetrics} from '../lib/metrics/pipeline.js'
import type {TopicNames} from '../lib/kafka/topics.js'

export type {AggregateStats}

export default class Aggregate extends BaseCommand<typeof Aggregate> {
  static summary = 'Count votes live and publish totals per candidate, location, gender, age band, party, and region and candidate.'
  static description = `Consumes votes_topic (group election-aggregator) and publishes absolute totals to the compacted aggregate topics
(aggregated_votes_per_candidate, aggregated_turnout_by_location, ..._by_gender, ..._by_age, aggregated_party_wise_votes,
aggregated_votes_per_location_candidate)
while votes flow: the per-candidate totals at least every 25 ms (--publish-interval), the other totals at least every
250 ms (--breakdown-interval).
Exactly once: a crash, a restart or a second aggregator never loses or double-counts a vote.`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Drain the backlog, then exit 0 (CI)', command: '<%= config.bin %> <%= command.id %> --exit-when-idle 5s --json'},
    {
      description: 'Scale out: run a second one in another terminal; they split the partitions',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Serve Prometheus metrics (curl -s 127.0.0.1:9465/metrics)',
      command: '<%= config.bin %> <%= command.id %> --metrics-port 9465',
    },
  ]

  static flags = {
    ...memberFlags('votes', ' and no `vote` process in the voting group'),
    'publish-interval': durationFlag({summary: 'Longest wait before changed per-candidate totals are published', default: 25}),
    'breakdown-interval': durationFlag({
      summary: 'Longest wait before the other changed totals (region, gender, age band, party, region and candidate) are published',
      default: 250,
    }),
    ...metricsFlags,
  }

  static longRunning = true
  static topicsNeeded = (topics: TopicNames) => [topics.votes, topics.deadLetter, ...Object.values(topics.aggregates)]

  async run(): Promise<AggregateStats> {
    const registry = await startMetrics(this.flags, {
      onCleanup: (cleanup) => this.onCleanup(cleanup),
      note: (message) => this.note(message),
    })
    const pool = await this.openPool({max: 8, columns: true})
    const {kafka} = await this.openKafka()
    let lastNote = 0
    const stats = await runAggregator(pool, kafka, this.topics(), {
      idleMs: this.flags['exit-when-idle'],
      stopSignal: this.stopSignal.signal,
      sessionTimeoutMs: this.flags['session-timeout'],
      publishIntervalMs: this.flags['publish-interval'],
      breakdownIntervalMs: this.flags['breakdown-interval'],
      metrics: new AggregateMetrics(registry),
      logger: this.logger,
      onProgress: (s) => {
        if (Date.now() - lastNote < 2000) return
        lastNote = Date.now()
        this.note(`${s.counted} votes counted (${s.votesPerSecond}/s)`)
      },
    })
    this.note(
      `Counted ${stats.counted} votes (${stats.duplicates} duplicates ignored, ${stats.deadLettered} dead-lettered) ` +
        `in ${stats.seconds.toFixed(1)} s: ${stats.votesPerSecond} votes/s; ` +
        `latency p50 ${stats.latencyMs.p50} ms, p99 ${stats.latencyMs.p99} ms; stopped: ${stats.stopReason}.`,
    )
    return stats
  }
}
