import path from 'node:path'

import {Flags, ux} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {readState, stateDir} from '../lib/config/state.js'
import {kafkaEnv, resolveSettings} from '../lib/config/settings.js'
import {connectPool, withTransaction} from '../lib/db/pool.js'
import {DEMO_NAMESPACE, demoDatabaseUrl, exitOf, runInteractive, startStage, stopStage, type DemoEnv} from '../lib/demo/index.js'
import {insertCandidates} from '../lib/election/candidates.js'
import {initialise} from '../lib/election/setup.js'
import {generateCandidates, DEFAULT_PARTIES} from '../lib/generate/candidates.js'
import {registerVoters} from '../lib/generate/register.js'
import {connectKafka} from '../lib/kafka/connect.js'
import {publishKeyed} from '../lib/kafka/publish.js'
import {topicNames} from '../lib/kafka/topics.js'
import {servicesUp} from '../lib/services/index.js'
import {verify, type VerifyResult} from '../lib/verify/index.js'

export interface DemoResult {
  voters: number
  verify: VerifyResult
}

export default class Demo extends BaseCommand<typeof Demo> {
  static summary = 'Run the whole pipeline on local services and watch it live: the one-command demo.'
  static description = `Brings up Kafka and Postgres (reusing running ones), then in a demo database (election_demo) and topic namespace (demo.),
starting fresh each time: init-db, seed-candidates, register-voters; then vote and aggregate as child processes and the dashboard.
q or Ctrl-C stops everything cleanly, then verify runs. Without a TTY it runs to completion and prints the final snapshot and the verify result.`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'A bigger, faster election', command: '<%= config.bin %> <%= command.id %> --voters 100000 --rate 5000'},
    {description: 'In CI: run to completion, machine-readable verify result', command: '<%= config.bin %> <%= command.id %> --voters 2000 --rate 1000 --json'},
    {description: 'On secured local services (SASL_SSL Kafka, TLS-only Postgres)', command: '<%= config.bin %> <%= command.id %> --secure'},
  ]

  static flags = {
    voters: Flags.integer({summary: 'Voters to register.', default: 10_000, min: 1}),
    rate: Flags.integer({summary: 'Votes per second.', default: 500, min: 1}),
    seed: Flags.integer({summary: 'Seed for candidates, voters and preferences.', default: 42, min: 0}),
    candidates: Flags.integer({summary: 'Number of candidates.', default: 3, min: 1, max: 20}),
    secure: Flags.boolean({summary: 'Start the local services secured, as `services up --secure` does (Kafka over SASL_SSL, Postgres over TLS).', default: false}),
  }

  async run(): Promise<DemoResult> {
    const spin = !this.jsonEnabled()
    const step = (message: string) => (spin ? ux.action.start(message) : undefined)
    step('Bringing up services')
    await servicesUp({flags: {brokers: this.flags.brokers, 'database-url': this.flags['database-url']}, secure: this.flags.secure, onStep: (m) => spin && (ux.action.status = m)})

    // Not this.settings(): that also checks ELECTION_NAMESPACE, which the demo replaces with its own.
    const base = resolveSettings({brokers: this.flags.brokers, 'database-url': this.flags['database-url']}, process.env, await readState())
    const url = await demoDatabaseUrl(base)
    const env: NodeJS.ProcessEnv = {...process.env, ...kafkaEnv(base.kafka), DATABASE_URL: url, ELECTION_NAMESPACE: DEMO_NAMESPACE}
    // One port cannot serve vote, aggregate and the dashboard at once: the demo's children serve no metrics.
    delete env.ELECTION_METRICS_PORT
    const settings = resolveSettings({}, env, {})
    const names = topicNames(env)
    const demo: DemoEnv = {env, logDir: path.join(stateDir(), 'demo')}

    const pool = await connectPool(settings.postgres)
    this.onCleanup(() => pool.end())
    const {kafka, admin} = await connectKafka(settings.kafka)
    this.onCleanup(() => admin.disconnect())

    step('Creating a fresh demo election (tables and topics)')
    await initialise(pool, admin, names, {partitions: 6, replicationFactor: 1, reset: true})
    step(`Seeding ${this.flags.candidates} candidates`)
    const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    await withTransaction(pool, async (client) => {
      const fresh = await insertCandidates(client, generateCandidates(this.flags.candidates, DEFAULT_PARTIES, this.flags.seed))
      await publishKeyed(producer, names.candidates, fresh, (c) => c.candidate_id)
    })
    await producer.disconnect()
    step(`Registering ${this.flags.voters} voters`)
    const registered = await registerVoters(pool, kafka, {count: this.flags.voters, seed: this.flags.seed, locale: 'en_GB', batchSize: 5000, topic: names.voters})
    if (spin) ux.action.stop(`${registered.votersPerSecond} voters/s`)

    const interactive = process.stdout.isTTY && process.stdin.isTTY && !this.jsonEnabled()
    const idle = interactive ? [] : ['--exit-when-idle', '5s']
    const aggregate = startStage('aggregate', ['aggregate', ...idle], demo)
    const vote = startStage('vote', ['vote', '--rate', String(this.flags.rate), '--seed', String(this.flags.seed), ...idle], demo)
    // Ctrl-C reaches the whole process group; the children stop themselves cleanly, we just wait for them.
    const ignore = () => {}
    process.on('SIGINT', ignore)
    process.on('SIGTERM', ignore)
    try {
      if (interactive) {
        await runInteractive(['dashboard'], demo)
        await stopStage(vote)
        await stopStage(aggregate)
      } else {
        this.note(`Voting at ${this.flags.rate} votes/s; logs in ${demo.logDir}`)
        await exitOf(vote)
        await exitOf(aggregate)
        if (!this.jsonEnabled()) await runInteractive(['dashboard', '--once'], demo)
      }
    } finally {
      process.off('SIGINT', ignore)
      process.off('SIGTERM', ignore)
    }
    const result = await verify(pool, kafka, admin, names, DEMO_NAMESPACE)
    this.note(result.ok ? `verify: OK, ${result.votes} votes, aggregates match Postgres.` : `verify: ${result.differences.length} differences`)
    // note() redacts the password: the user puts their own back in.
    this.note(`Inspect it later: ELECTION_NAMESPACE=${DEMO_NAMESPACE} DATABASE_URL='${url}' election verify`)
    if (!result.ok) process.exitCode = 1
    return {voters: this.flags.voters, verify: result}
  }
}
