import path from 'node:path'

import {kafkaEnv, resolveSettings, type ConnectionFlags} from '../config/settings.js'
import {readState, stateDir} from '../config/state.js'
import {connectPool} from '../db/pool.js'
import {initialise} from '../election/setup.js'
import {DEFAULT_PARTIES, generateCandidates} from '../generate/candidates.js'
import {registerVoters} from '../generate/register.js'
import {seedCandidates} from '../generate/seed-candidates.js'
import {connectKafka} from '../kafka/connect.js'
import {topicNames} from '../kafka/topics.js'
import {servicesUp} from '../services/index.js'
import {verify, type VerifyResult} from '../verify/index.js'
import {DEMO_NAMESPACE, demoDatabaseUrl, exitOf, runInteractive, startStage, stopStage, type DemoEnv} from './index.js'

export interface DemoOptions {
  connection: ConnectionFlags
  secure: boolean
  voters: number
  rate: number
  seed: number
  candidates: number
  /** Faker locale of candidates and voters; en_US gets the dashboard's state map. */
  locale: string
  /** The live dashboard in this terminal until q; otherwise run to completion. */
  interactive: boolean
  /** Print the final snapshot (without a TTY, and not under --json). */
  snapshot: boolean
}

/** How the demo tells the user what it is doing; the command renders it (spinner, notes). */
export interface DemoUi {
  step(message: string): void
  status(message: string): void
  stepDone(message: string): void
  note(message: string): void
}

export interface DemoResult {
  voters: number
  verify: VerifyResult
  /** To inspect it later (the password in it is for the command to redact). */
  databaseUrl: string
}

/**
 * The one-command demo: services up (reused when running), a fresh demo database and topic
 * namespace, candidates and voters, then vote and aggregate as child processes (their logs in
 * <state>/demo) with the live dashboard or, without a TTY, to completion; verify last.
 */
export async function runDemo(options: DemoOptions, ui: DemoUi): Promise<DemoResult> {
  ui.step('Bringing up services')
  await servicesUp({flags: options.connection, secure: options.secure, onStep: ui.status})

  // The demo's own namespace and database, never the configured ones.
  const base = resolveSettings(options.connection, process.env, await readState())
  const databaseUrl = await demoDatabaseUrl(base)
  const env: NodeJS.ProcessEnv = {...process.env, ...kafkaEnv(base.kafka), DATABASE_URL: databaseUrl, ELECTION_NAMESPACE: DEMO_NAMESPACE}
  // One port cannot serve vote, aggregate and the dashboard at once: the demo's children serve no metrics.
  delete env.ELECTION_METRICS_PORT
  const settings = resolveSettings({}, env, {})
  const names = topicNames(env)
  const demo: DemoEnv = {env, logDir: path.join(stateDir(), 'demo')}

  const pool = await connectPool(settings.postgres)
  try {
    const {kafka, admin} = await connectKafka(settings.kafka)
    try {
      ui.step('Creating a fresh demo election (tables and topics)')
      await initialise(pool, admin, names, {partitions: 6, replicationFactor: 1, reset: true})
      ui.step(`Seeding ${options.candidates} candidates`)
      await seedCandidates(
        pool,
        kafka,
        generateCandidates(options.candidates, DEFAULT_PARTIES, options.seed, options.locale),
        names.candidates,
      )
      ui.step(`Registering ${options.voters} voters`)
      const registered = await registerVoters(pool, kafka, {
        count: options.voters,
        seed: options.seed,
        locale: options.locale,
        batchSize: 5000,
        topic: names.voters,
      })
      ui.stepDone(`${registered.votersPerSecond} voters/s`)

      await runStages(options, demo, ui)
      return {voters: options.voters, verify: await verify(pool, kafka, admin, names, DEMO_NAMESPACE), databaseUrl}
    } finally {
      await admin.disconnect().catch(() => {})
    }
  } finally {
    await pool.end().catch(() => {})
  }
}

/** vote and aggregate as children, with the dashboard (interactive) or to completion. */
async function runStages(options: DemoOptions, demo: DemoEnv, ui: DemoUi): Promise<void> {
  const idle = options.interactive ? [] : ['--exit-when-idle', '5s']
  const aggregate = startStage('aggregate', ['aggregate', ...idle], demo)
  const vote = startStage('vote', ['vote', '--rate', String(options.rate), '--seed', String(options.seed), ...idle], demo)
  // Ctrl-C reaches the whole process group; the children stop themselves cleanly, we just wait for them.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', ignore)
  try {
    if (options.interactive) {
      await runInteractive(['dashboard'], demo)
      await stopStage(vote)
      await stopStage(aggregate)
    } else {
      ui.note(`Voting at ${options.rate} votes/s; logs in ${demo.logDir}`)
      await exitOf(vote)
      await exitOf(aggregate)
      if (options.snapshot) await runInteractive(['dashboard', '--once'], demo)
    }
  } finally {
    process.off('SIGINT', ignore)
    process.off('SIGTERM', ignore)
  }
}
