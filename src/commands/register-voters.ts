import {Flags} from '@oclif/core'
import cliProgress from 'cli-progress'

import {BaseCommand} from '../lib/base-command.js'
import {assertLocale, DEFAULT_LOCALE} from '../lib/generate/locale.js'
import {DEFAULT_BATCH_SIZE, registerVoters, type RegisterResult} from '../lib/generate/register.js'
import {seedFlag} from '../lib/flags.js'
import type {TopicNames} from '../lib/kafka/topics.js'

export type {RegisterResult}

export default class RegisterVoters extends BaseCommand<typeof RegisterVoters> {
  static summary = 'Register fake voters in Postgres and on voters_topic, in bulk.'
  static description = `Deterministic: the same --seed and --count give the same voters with the same ids, whatever the batch size.
Streams in batches (never holds all voters in memory); re-running registers only voters not already there.`
  static examples = [
    '<%= config.bin %> <%= command.id %> --count 10000',
    {description: 'A million voters, machine-readable summary', command: '<%= config.bin %> <%= command.id %> --count 1000000 --json'},
    {description: 'US addresses (50 states)', command: '<%= config.bin %> <%= command.id %> --count 5000 --locale en_US --seed 7'},
  ]

  static flags = {
    count: Flags.integer({summary: 'How many voters.', default: 1000, min: 1, max: 100_000_000}),
    seed: seedFlag,
    locale: Flags.string({summary: 'Faker locale for names and addresses.', default: DEFAULT_LOCALE}),
    'batch-size': Flags.integer({summary: 'Voters per Postgres insert and Kafka send.', default: DEFAULT_BATCH_SIZE, min: 1, max: 50_000}),
  }

  static topicsNeeded = (topics: TopicNames) => [topics.voters]

  async run(): Promise<RegisterResult> {
    assertLocale(this.flags.locale) // before anything is written
    const pool = await this.openPool()
    const {kafka} = await this.openKafka()
    const bar =
      !this.jsonEnabled() && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {format: 'Registering voters [{bar}] {percentage}% {value}/{total} | {eta_formatted} left', stream: process.stderr},
            cliProgress.Presets.shades_classic,
          )
        : undefined
    bar?.start(this.flags.count, 0)
    const result = await registerVoters(pool, kafka, {
      count: this.flags.count,
      seed: this.flags.seed,
      locale: this.flags.locale,
      batchSize: this.flags['batch-size'],
      topic: this.topics().voters,
      onProgress: (done) => bar?.update(done),
    }).finally(() => bar?.stop())
    this.note(
      `Registered ${result.inserted} voters (${result.existing} already there) ` +
        `in ${result.seconds.toFixed(1)} s: ${result.votersPerSecond} voters/s.`,
    )
    return result
  }
}
