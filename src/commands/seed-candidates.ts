import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {DEFAULT_PARTIES, generateCandidates, partyNames} from '../lib/generate/candidates.js'
import {DEFAULT_LOCALE} from '../lib/generate/locale.js'
import {seedCandidates, type SeedResult} from '../lib/generate/seed-candidates.js'
import {seedFlag} from '../lib/flags.js'
import type {TopicNames} from '../lib/kafka/topics.js'

/** The --json document: how many were new, how many already there, and every candidate of the seed. */
export type {SeedResult} from '../lib/generate/seed-candidates.js'

export default class SeedCandidates extends BaseCommand<typeof SeedCandidates> {
  static summary = 'Create candidates and their parties in Postgres and on candidates_topic.'
  static description =
    'Deterministic: the same --seed gives the same candidates (same ids), so re-running inserts and publishes nothing twice.'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Five candidates from two parties',
      command: '<%= config.bin %> <%= command.id %> --count 5 --parties "Green Party,Blue Party" --seed 7',
    },
  ]

  static flags = {
    count: Flags.integer({summary: 'How many candidates.', default: 3, min: 1, max: 100}),
    parties: Flags.string({summary: 'Comma-separated party names, assigned in turn.', default: DEFAULT_PARTIES.join(',')}),
    seed: seedFlag,
    locale: Flags.string({summary: 'Faker locale for names.', default: DEFAULT_LOCALE}),
  }

  static topicsNeeded = (topics: TopicNames) => [topics.candidates]

  async run(): Promise<SeedResult> {
    const candidates = generateCandidates(this.flags.count, partyNames(this.flags.parties), this.flags.seed, this.flags.locale)
    const pool = await this.openPool()
    const {kafka} = await this.openKafka()
    const result = await seedCandidates(pool, kafka, candidates, this.topics().candidates)
    this.note(
      result.inserted
        ? `Inserted ${result.inserted} candidates; ${result.existing} already there.`
        : 'All candidates already there: nothing changed.',
    )
    return result
  }
}
