import {BaseCommand} from '../lib/base-command.js'
import {ElectionError} from '../lib/errors.js'
import {textTable} from '../lib/text-table.js'
import {verify, type VerifyResult} from '../lib/verify/index.js'
import {type TopicNames} from '../lib/kafka/topics.js'

export type {Difference, VerifyResult} from '../lib/verify/index.js'

export default class Verify extends BaseCommand<typeof Verify> {
  static summary = 'Check the published aggregates against Postgres ground truth.'
  static description = `Reads the latest value per key of every aggregate topic (read_committed) and compares it with GROUP BY queries
over votes joined to voters and candidates. Exit 0 with a short table when they match; exit 1 with the differences otherwise.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'In a CI script, after `aggregate --exit-when-idle 5s`', command: '<%= config.bin %> <%= command.id %> --json || exit 1'},
  ]

  static topicsNeeded = (topics: TopicNames) => Object.values(topics.aggregates)

  async run(): Promise<VerifyResult> {
    const pool = await this.openPool()
    const {kafka, admin} = await this.openKafka()
    const result = await verify(pool, kafka, admin, this.topics(), this.namespace())
    if (!this.jsonEnabled()) {
      const table = textTable(['dimension', 'keys', 'postgres total', 'published total'])
      for (const [dimension, d] of Object.entries(result.dimensions)) table.push([dimension, d.keys, d.expectedTotal, d.publishedTotal])
      this.log(table.toString())
      if (result.differences.length) {
        const diff = textTable(['dimension', 'key', 'postgres', 'published'])
        for (const d of result.differences.slice(0, 50)) diff.push([d.dimension, d.key, d.expected, d.published])
        this.log(diff.toString())
      }
    }
    if (!result.ok) {
      process.exitCode = 1
      if (!this.jsonEnabled())
        this.logToStderr(new ElectionError(`${result.differences.length} aggregate values differ from Postgres`, 'mismatch').message)
    } else this.note(`OK: ${result.votes} votes, aggregates match Postgres.`)
    return result
  }
}
