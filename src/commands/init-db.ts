import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {confirmDestructive} from '../lib/confirm.js'
import {initialise, type InitResult} from '../lib/election/setup.js'

export type {InitResult}

export default class InitDb extends BaseCommand<typeof InitDb> {
  static summary = 'Create the Postgres tables and the Kafka topics (idempotent).'
  static description = `Tables: candidates, voters, votes (one vote per voter, enforced by a UNIQUE constraint) and the aggregator's state.
Topics: candidates_topic, voters_topic, votes_topic, a dead-letter topic, and the compacted aggregate topics.
Running it twice changes nothing and says so. Tables an older version created keep their rows and get the columns
added since (vote and aggregate ask for this). --reset drops everything first (asks on a TTY unless --force).`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Twelve partitions per topic', command: '<%= config.bin %> <%= command.id %> --partitions 12'},
    {description: 'Start over without a prompt (CI)', command: '<%= config.bin %> <%= command.id %> --reset --force --json'},
  ]

  static flags = {
    partitions: Flags.integer({summary: 'Partitions for voters, votes and candidates topics.', default: 6, min: 1, max: 1000}),
    'replication-factor': Flags.integer({
      summary: 'Replication factor of every topic (3 or more also sets min.insync.replicas=2).',
      default: 1,
      min: 1,
      max: 10,
    }),
    reset: Flags.boolean({summary: 'Drop the tables and topics (all data) and create them again.', default: false}),
    force: Flags.boolean({summary: 'Do not ask before --reset.', default: false}),
  }

  async run(): Promise<InitResult> {
    if (this.flags.reset) await confirmDestructive('This deletes every voter, vote and aggregate', this.flags.force)
    const pool = await this.openPool({schema: false})
    const {admin} = await this.openKafka()
    const result = await initialise(pool, admin, this.topics(), {
      partitions: this.flags.partitions,
      replicationFactor: this.flags['replication-factor'],
      reset: this.flags.reset,
    })
    if (!result.changed) this.note('Already initialised: nothing changed.')
    else {
      if (result.createdTables.length) this.note(`Created tables: ${result.createdTables.join(', ')}`)
      if (result.addedColumns.length) this.note(`Added columns: ${result.addedColumns.join(', ')}`)
      if (result.createdTopics.length) this.note(`Created topics: ${result.createdTopics.join(', ')}`)
    }
    return result
  }
}
