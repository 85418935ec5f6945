import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {durationFlag, memberFlags, seedFlag} from '../lib/flags.js'
import {startMetrics} from '../lib/metrics/endpoint.js'
import {metricsFlags} from '../lib/metrics/flags.js'
import {VoteMetrics} from '../lib/metrics/pipeline.js'
import type {TopicNames} from '../lib/kafka/topics.js'
import {runVoting, type VoteStats} from '../lib/vote/runner.js'

export type {VoteStats}

export default class Vote extends BaseCommand<typeof Vote> {
  static summary = 'Consume registered voters and cast one vote each, at a steady rate.'
  static description = `Reads voters_topic (group voting-group), chooses a candidate with seeded preferences that vary by region and age,
stores the vote in Postgres (one per voter) and publishes the enriched vote to votes_topic, exactly once per voter record.
Stops cleanly on Ctrl-C / SIGTERM (the batch in flight is committed or abandoned, never half-written) and prints a summary.`

  static examples = [
    {description: '5,000 votes per second until stopped', command: '<%= config.bin %> <%= command.id %> --rate 5000'},
    {
      description: 'As fast as possible, stop when every voter has voted',
      command: '<%= config.bin %> <%= command.id %> --exit-when-idle 5s --json',
    },
    {description: 'A one-minute run at 100 votes/s', command: '<%= config.bin %> <%= command.id %> --rate 100 --duration 60s'},
    {description: 'A race whose lead can change while it runs', command: '<%= config.bin %> <%= command.id %> --rate 500 --swing'},
    {
      description: 'Serve Prometheus metrics while voting (curl -s 127.0.0.1:9464/metrics)',
      command: '<%= config.bin %> <%= command.id %> --rate 1000 --metrics-port 9464',
    },
  ]

  static flags = {
    rate: Flags.integer({summary: 'Votes per second (held steady); omit for as fast as possible.', min: 1, max: 1_000_000}),
    duration: durationFlag({summary: 'Stop after this long, e.g. 60s, 5m'}),
    'max-votes': Flags.integer({summary: 'Stop after this many votes.', min: 1}),
    seed: seedFlag,
    swing: Flags.boolean({
      summary: 'Let preferences shift during the run, nationally and per region, so leads can change (the demo sets it).',
      description: "The shift follows each voters_topic record's offset, so a retried vote still chooses the same candidate.",
    }),
    ...memberFlags('voters'),
    ...metricsFlags,
  }

  static longRunning = true
  static topicsNeeded = (topics: TopicNames) => [topics.voters, topics.votes, topics.deadLetter]

  async run(): Promise<VoteStats> {
    const registry = await startMetrics(this.flags, {
      onCleanup: (cleanup) => this.onCleanup(cleanup),
      note: (message) => this.note(message),
    })
    const pool = await this.openPool({max: 6, columns: true})
    const {kafka} = await this.openKafka()
    let lastNote = 0
    const stats = await runVoting(pool, kafka, this.topics(), {
      rate: this.flags.rate,
      durationMs: this.flags.duration,
      maxVotes: this.flags['max-votes'],
      seed: this.flags.seed,
      swing: this.flags.swing,
      idleMs: this.flags['exit-when-idle'],
      stopSignal: this.stopSignal.signal,
      sessionTimeoutMs: this.flags['session-timeout'],
      metrics: new VoteMetrics(registry),
      logger: this.logger,
      onProgress: (s) => {
        if (Date.now() - lastNote < 2000) return
        lastNote = Date.now()
        this.note(`${s.votes} votes (${s.votesPerSecond}/s)`)
      },
    })
    this.note(
      `Cast ${stats.votes} votes (${stats.newVotes} new) in ${stats.seconds.toFixed(1)} s: ${stats.votesPerSecond} votes/s; ` +
        `${stats.deadLettered} dead-lettered; stopped: ${stats.stopReason}.`,
    )
    return stats
  }
}
