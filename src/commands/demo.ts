import {Flags, ux} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {DEMO_NAMESPACE} from '../lib/demo/index.js'
import {runDemo} from '../lib/demo/run.js'
import {assertLocale, DEFAULT_LOCALE} from '../lib/generate/locale.js'
import {chaosSummary, type ChaosKill} from '../lib/demo/chaos.js'
import type {VerifyResult} from '../lib/verify/index.js'
/** With the dashboard, enough voters that the race goes on for five minutes at the default rate; to completion, a quick run. */
const INTERACTIVE_VOTERS = 150_000
const BATCH_VOTERS = 10_000
const count = (n: number) => n.toLocaleString('en-US')

export interface DemoResult {
  voters: number
  verify: VerifyResult
  /** With --chaos: every vote and aggregate process killed (kill -9) and restarted. */
  chaos?: {kills: ChaosKill[]}
}

export default class Demo extends BaseCommand<typeof Demo> {
  static summary = 'Run the whole pipeline on local services and watch it live: the one-command demo.'
  static description = `Brings up Kafka and Postgres (reusing running ones), then, in a demo database (election_demo) and topic
namespace (demo.) made fresh each time: init-db, seed-candidates, register-voters; then vote and aggregate as child processes,
and the dashboard. q or Ctrl-C stops everything cleanly, then verify runs. Without a TTY it runs to completion and prints the
final snapshot and the verify result.`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'A bigger, faster election', command: '<%= config.bin %> <%= command.id %> --voters 100000 --rate 5000'},
    {
      description: 'In CI: run to completion, machine-readable verify result',
      command: '<%= config.bin %> <%= command.id %> --voters 2000 --rate 1000 --json',
    },
    {
      description: 'A US election: the dashboard shows who leads each state on a tile map',
      command: '<%= config.bin %> <%= command.id %> --locale en_US',
    },
    {
      description: 'Exactly once under failure: vote and aggregate killed (kill -9) and restarted while it runs',
      command: '<%= config.bin %> <%= command.id %> --chaos --voters 5000 --rate 500',
    },
    {description: 'On secured local services (SASL_SSL Kafka, TLS-only Postgres)', command: '<%= config.bin %> <%= command.id %> --secure'},
  ]

  static flags = {
    voters: Flags.integer({
      summary:
        `Voters to register [default: ${count(INTERACTIVE_VOTERS)} with the dashboard (5 minutes at 500 votes/s), ` +
        `${count(BATCH_VOTERS)} without a TTY]`,
      min: 1,
    }),
    rate: Flags.integer({summary: 'Votes per second.', default: 500, min: 1}),
    seed: Flags.integer({summary: 'Seed for candidates, voters and preferences.', default: 42, min: 0}),
    candidates: Flags.integer({summary: 'Number of candidates.', default: 3, min: 1, max: 20}),
    locale: Flags.string({
      summary: 'Faker locale of candidates and voters (en_US: the dashboard adds a map of the states).',
      default: DEFAULT_LOCALE,
    }),
    chaos: Flags.boolean({
      summary:
        'kill -9 vote and aggregate at random moments (from --seed) and restart them; verify shows nothing was lost or counted twice.',
      default: false,
    }),
    secure: Flags.boolean({
      summary: 'Start the local services secured, as `services up --secure` does (Kafka over SASL_SSL, Postgres over TLS).',
      default: false,
    }),
  }

  async run(): Promise<DemoResult> {
    assertLocale(this.flags.locale) // before any service starts
    const spin = !this.jsonEnabled()
    const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !this.jsonEnabled()
    const {voters, verify, databaseUrl, chaos} = await runDemo(
      {
        connection: {brokers: this.flags.brokers, 'database-url': this.flags['database-url']},
        secure: this.flags.secure,
        voters: this.flags.voters ?? (interactive ? INTERACTIVE_VOTERS : BATCH_VOTERS),
        rate: this.flags.rate,
        seed: this.flags.seed,
        candidates: this.flags.candidates,
        locale: this.flags.locale,
        chaos: this.flags.chaos,
        interactive,
        snapshot: !this.jsonEnabled(),
      },
      {
        step: (message) => spin && ux.action.start(message),
        status: (message) => spin && (ux.action.status = message),
        stepDone: (message) => spin && ux.action.stop(message),
        note: (message) => this.note(message),
      },
    )
    this.note(
      verify.ok ? `verify: OK, ${verify.votes} votes, aggregates match Postgres.` : `verify: ${verify.differences.length} differences`,
    )
    // note() redacts the password: the user puts their own back in.
    this.note(`Inspect it later: ELECTION_NAMESPACE=${DEMO_NAMESPACE} DATABASE_URL='${databaseUrl}' election verify`)
    if (chaos) this.note(chaosSummary(chaos.kills, verify))
    if (!verify.ok) process.exitCode = 1
    return {voters, verify, ...(chaos ? {chaos} : {})}
  }
}
