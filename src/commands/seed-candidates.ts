import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {withTransaction} from '../lib/db/pool.js'
import {insertCandidates, type Candidate} from '../lib/election/candidates.js'
import {DEFAULT_PARTIES, generateCandidates, partyNames} from '../lib/generate/candidates.js'
import {publishKeyed} from '../lib/kafka/publish.js'
import {seedFlag} from '../lib/flags.js'
import type {TopicNames} from '../lib/kafka/topics.js'

export interface SeedResult {
  inserted: number
  existing: number
  candidates: Candidate[]
}

export default class SeedCandidates extends BaseCommand<typeof SeedCandidates> {
  static summary = 'Create candidates and their parties in Postgres and on candidates_topic.'
  static description = 'Deterministic: the same --seed gives the same candidates (same ids), so re-running inserts and publishes nothing twice.'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Five candidates from two parties', command: '<%= config.bin %> <%= command.id %> --count 5 --parties "Green Party,Blue Party" --seed 7'},
  ]

  static flags = {
    count: Flags.integer({summary: 'How many candidates.', default: 3, min: 1, max: 100}),
    parties: Flags.string({summary: 'Comma-separated party names, assigned in turn.', default: DEFAULT_PARTIES.join(',')}),
    seed: seedFlag,
    locale: Flags.string({summary: 'Faker locale for names.', default: 'en_GB'}),
  }

  static topicsNeeded = (topics: TopicNames) => [topics.candidates]

  async run(): Promise<SeedResult> {
    const candidates = generateCandidates(this.flags.count, partyNames(this.flags.parties), this.flags.seed, this.flags.locale)
    const pool = await this.openPool()
    const {kafka} = await this.openKafka()
    const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    this.onCleanup(() => producer.disconnect())
    const inserted = await withTransaction(pool, async (client) => {
      const fresh = await insertCandidates(client, candidates)
      await publishKeyed(producer, this.topics().candidates, fresh, (c) => c.candidate_id)
      return fresh
    })
    this.note(inserted.length ? `Inserted ${inserted.length} candidates; ${candidates.length - inserted.length} already there.` : 'All candidates already there: nothing changed.')
    return {inserted: inserted.length, existing: candidates.length - inserted.length, candidates}
  }
}
