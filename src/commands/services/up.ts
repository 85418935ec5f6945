import {ux} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {servicesUp, type ServiceStatus} from '../../lib/services/index.js'
import {renderStatusTable} from '../../lib/services/render.js'

export default class ServicesUp extends BaseCommand<typeof ServicesUp> {
  static summary = 'Start (or reuse) the Kafka broker and Postgres server the other commands use.'
  static description = `Postgres: DATABASE_URL if set, otherwise a local Postgres the project owns, with a generated password
(kept in the private .election/ folder with the data; as root the data is in /var/lib/election/).
Kafka: KAFKA_BROKERS if set, otherwise docker compose when a Docker engine runs, otherwise a single-node
KRaft broker run from Apache Kafka's own jars (resolved with Maven). Idempotent: a second run reuses what is running.`

  static examples = [
    {description: 'Start local services (or reuse running ones)', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Check an existing cluster and database instead', command: 'KAFKA_BROKERS=kafka:9092 DATABASE_URL=postgres://u:p@db/election <%= config.bin %> <%= command.id %>'},
    {description: 'Machine-readable result for scripts', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  async run(): Promise<{services: ServiceStatus[]; seconds: number}> {
    const started = Date.now()
    // Progress is for a person watching a terminal; in logs and scripts a failure is the error line alone.
    const spinning = !this.jsonEnabled() && Boolean(process.stderr.isTTY)
    if (spinning) ux.action.start('Bringing up services')
    const services = await servicesUp({
      flags: {brokers: this.flags.brokers, 'database-url': this.flags['database-url']},
      onStep: (message) => {
        if (spinning) ux.action.status = message
      },
    })
    // Only on success: a failure stops the spinner with "failed" before its error (BaseCommand.catch), never "done".
    if (spinning) ux.action.stop()
    const seconds = (Date.now() - started) / 1000
    if (!this.jsonEnabled()) {
      this.log(renderStatusTable(services))
      this.log(`Ready in ${seconds.toFixed(1)} s.`)
    }
    return {services, seconds}
  }
}
