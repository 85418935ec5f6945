import {Flags, ux} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {usageError} from '../../lib/errors.js'
import {servicesUp, type ServiceStatus} from '../../lib/services/index.js'
import {renderStatusTable} from '../../lib/services/render.js'

export interface UpResult {
  services: ServiceStatus[]
  seconds: number
}

export default class ServicesUp extends BaseCommand<typeof ServicesUp> {
  static summary = 'Start (or reuse) the Kafka broker and Postgres server the other commands use.'
  static description = `Postgres: DATABASE_URL if set, otherwise a local Postgres the project owns, with a generated password
(kept in the private .election/ folder with the data; as root the data is in /var/lib/election/).
Kafka: KAFKA_BROKERS if set, otherwise docker compose when a Docker engine runs, otherwise a single-node
KRaft broker run from Apache Kafka's own jars (resolved with Maven). Idempotent: a second run reuses what is running.
--brokers 3 runs a local three-broker KRaft cluster from the jars instead (internal topics replicated three
times, min.insync.replicas=2), each JVM with ELECTION_KAFKA_HEAP of heap (512m by default for three, 1g for one).
A state folder keeps its broker count: to switch, run \`services down\` and remove its kafka/ folder.
--secure runs the local services as a managed cluster would: Kafka's client listener speaks SASL_SSL
(SCRAM-SHA-512, user "election", a generated password in .election/kafka-password) with a certificate
signed by a CA made for the state folder (.election/tls/ca.pem, by openssl), and Postgres accepts TCP
clients over TLS only (sslmode=verify-full against that CA). Every command finds all of it in the state
folder; KAFKA_SASL_*, KAFKA_SSL_CA_FILE, PGSSLMODE and PGSSLROOTCERT still override it. A secured state
folder stays secured; a plaintext Kafka cannot be secured in place (remove its kafka/ folder).`

  static examples = [
    {description: 'Start local services (or reuse running ones)', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Check an existing cluster and database instead',
      command: 'KAFKA_BROKERS=kafka:9092 DATABASE_URL=postgres://u:p@db/election <%= config.bin %> <%= command.id %>',
    },
    {description: 'Machine-readable result for scripts', command: '<%= config.bin %> <%= command.id %> --json'},
    {description: 'A local three-broker cluster (one broker may die)', command: '<%= config.bin %> <%= command.id %> --brokers 3'},
    {
      description: 'Secured: Kafka over SASL_SSL (SCRAM-SHA-512) and Postgres over TLS',
      command: '<%= config.bin %> <%= command.id %> --secure',
    },
  ]

  static flags = {
    // Overrides the connection flag: here a number says how many local brokers to run.
    brokers: Flags.string({
      summary: 'How many local brokers to run (1 or 3), or Kafka bootstrap servers to check, comma separated. [env: KAFKA_BROKERS]',
      helpGroup: 'CONNECTION',
    }),
    secure: Flags.boolean({
      summary: 'Run the local Kafka with a SASL_SSL listener (SCRAM-SHA-512) and the local Postgres with TLS only.',
      default: false,
    }),
  }

  async run(): Promise<UpResult> {
    const started = Date.now()
    // Progress is for a person watching a terminal; in logs and scripts a failure is the error line alone.
    const spinning = !this.jsonEnabled() && Boolean(process.stderr.isTTY)
    if (spinning) ux.action.start('Bringing up services')
    const localBrokers = localBrokerCount(this.flags.brokers)
    const services = await servicesUp({
      flags: {brokers: localBrokers ? undefined : this.flags.brokers, 'database-url': this.flags['database-url']},
      localBrokers,
      secure: this.flags.secure,
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

/** `--brokers 3` asks for three local brokers; `--brokers host:9092,…` names a cluster to check. */
function localBrokerCount(brokers: string | undefined): number | undefined {
  if (brokers === undefined || !/^\d+$/.test(brokers.trim())) return undefined
  const count = Number(brokers)
  if (count !== 1 && count !== 3)
    throw usageError(
      `--brokers ${brokers}: a local Kafka has 1 or 3 brokers`,
      'use --brokers 3 for a replicated cluster, or --brokers host:port for an existing one',
    )
  return count
}
