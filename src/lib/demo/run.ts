import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {kafkaEnv, resolveSettings, type ConnectionFlags} from '../config/settings.js'
import {readState, stateDir} from '../config/state.js'
import {connectPool} from '../db/pool.js'
import {initialise} from '../election/setup.js'
import {DEFAULT_PARTIES, generateCandidates} from '../generate/candidates.js'
import {DEFAULT_BATCH_SIZE, registerVoters} from '../generate/register.js'
import {pauseFor} from '../retry.js'
import {DEFAULT_CHAOS, describeCheck, describeKill, runChaos, Stage, type ChaosKill} from './chaos.js'
import {appendEvent, DEMO_EVENTS_ENV, exactnessOf, type ExactnessCheck} from './events.js'
import {seedCandidates} from '../generate/seed-candidates.js'
import {connectKafka} from '../kafka/connect.js'
import {topicNames} from '../kafka/topics.js'
import {servicesUp} from '../services/index.js'
import {verify, type VerifyResult} from '../verify/index.js'
import {DEMO_NAMESPACE, demoDatabaseUrl, runInteractive, stopStage, type DemoEnv} from './index.js'

export interface DemoOptions {
  connection: ConnectionFlags
  secure: boolean
  voters: number
  rate: number
  seed: number
  candidates: number
  /** kill -9 vote and aggregate at seeded random moments, and restart them. */
  chaos: boolean
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
  /** With --chaos: the processes killed and restarted. */
  chaos?: {kills: ChaosKill[]}
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
        batchSize: DEFAULT_BATCH_SIZE,
        topic: names.voters,
      })
      ui.stepDone(`${registered.votersPerSecond} voters/s`)

      // --chaos: the kills and the live checks go to a file the dashboard (a child) reads.
      const eventsFile = path.join(demo.logDir, 'events.jsonl')
      if (options.chaos) {
        mkdirSync(demo.logDir, {recursive: true})
        writeFileSync(eventsFile, '')
        demo.env[DEMO_EVENTS_ENV] = eventsFile
      }
      const check = async () => exactnessOf(await verify(pool, kafka, admin, names, DEMO_NAMESPACE), new Date())
      const kills = await runStages(options, demo, ui, {eventsFile, check})
      const verified = await verify(pool, kafka, admin, names, DEMO_NAMESPACE)
      return {voters: options.voters, verify: verified, databaseUrl, ...(options.chaos ? {chaos: {kills}} : {})}
    } finally {
      await admin.disconnect().catch(() => {})
    }
  } finally {
    await pool.end().catch(() => {})
  }
}

/** How often demo --chaos checks, while it runs, that no aggregate is ahead of Postgres. */
const CHECK_EVERY_MS = 10_000

/** vote and aggregate as children, with the dashboard (interactive) or to completion; under chaos, killed and restarted. */
async function runStages(
  options: DemoOptions,
  demo: DemoEnv,
  ui: DemoUi,
  chaosIo: {eventsFile: string; check: () => Promise<ExactnessCheck>},
): Promise<ChaosKill[]> {
  const idle = options.interactive ? [] : ['--exit-when-idle', '5s']
  // A restarted member takes its partitions back once the killed one's session has timed out.
  const session = options.chaos ? ['--session-timeout', '6s'] : []
  const aggregate = new Stage('aggregate', ['aggregate', ...idle, ...session], demo)
  const vote = new Stage(
    'vote',
    ['vote', '--rate', String(options.rate), '--seed', String(options.seed), '--swing', ...idle, ...session],
    demo,
  )
  // Ctrl-C reaches the whole process group; the children stop themselves cleanly, we just wait for them.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', ignore)
  // The dashboard owns the terminal: it shows the events; without it they are printed.
  const say = options.interactive ? () => {} : ui.note
  const calm = new AbortController()
  const chaos = options.chaos
    ? runChaos([vote, aggregate], {...DEFAULT_CHAOS, seed: options.seed}, calm.signal, (kill) => {
        appendEvent(chaosIo.eventsFile, {type: 'kill', ...kill})
        say(describeKill(kill))
      })
    : Promise.resolve([])
  const checks = options.chaos ? checkWhileRunning(chaosIo, calm.signal, say) : Promise.resolve()
  try {
    if (options.interactive) {
      await runInteractive(['dashboard'], demo)
      calm.abort()
      await checks
      for (const kill of await chaos) ui.note(describeKill(kill))
      await stopStage(vote.child)
      await stopStage(aggregate.child)
    } else {
      ui.note(`Voting at ${options.rate} votes/s; logs in ${demo.logDir}`)
      await vote.done()
      calm.abort() // every vote is cast: the aggregator may drain in peace
      await Promise.all([chaos, checks])
      // aggregate --exit-when-idle waits while a vote process is in the voting group (a killed one
      // restarting included), so it ends only after the last vote is counted.
      await aggregate.done()
      if (options.snapshot) await runInteractive(['dashboard', '--once'], demo)
    }
    return await chaos
  } finally {
    calm.abort()
    process.off('SIGINT', ignore)
    process.off('SIGTERM', ignore)
  }
}

/** Every CHECK_EVERY_MS until aborted: the live exactness check, to the events file and `say`. A failed check is skipped. */
async function checkWhileRunning(
  io: {eventsFile: string; check: () => Promise<ExactnessCheck>},
  until: AbortSignal,
  say: (message: string) => void,
): Promise<void> {
  for (;;) {
    await pauseFor(CHECK_EVERY_MS, until)
    if (until.aborted) return
    const check = await io.check().catch(() => null)
    if (!check || until.aborted) continue
    appendEvent(io.eventsFile, {type: 'check', ...check})
    say(describeCheck(check))
  }
}
