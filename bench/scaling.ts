/**
 * `npm run bench:scaling [-- --voters N]`: throughput of 1, 2 and 3 `vote` processes (one group),
 * each draining a backlog of N fresh voters, then of 1, 2 and 3 `aggregate` processes (one group),
 * each counting the same backlog of all 3N votes from scratch, on 12-partition topics, with the
 * CPU of every process, of Postgres and of the broker.
 * See bench/README.md and docs/scaling.md.
 */
import {readdirSync, statSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import Table from 'cli-table3'
import pg from 'pg'

import {stateDir} from '../src/lib/config/state.js'
import {topicNames} from '../src/lib/kafka/topics.js'
import {ROOT, runCli, startCli, stopAllChildren, type CliResult} from './lib/cli.js'
import {CpuWatch, hasProc, machineCpu, processCpu, treeCpu} from './lib/cpu.js'
import {KafkaProbe} from './lib/kafka.js'
import {errorMessage, Progress, stepRunner} from './lib/progress.js'
import {rateStats, Sampler} from './lib/sampler.js'
import {createDatabase, dropDatabase, loadAverage, machineInfo, servicesUp, withDatabase, type Services} from './lib/setup.js'

const option = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const config = {
  /** Voters registered (and votes cast) per vote run; the aggregate backlog is all of them. */
  voters: Number(option('--voters') ?? 300_000),
  partitions: 12,
  processes: [1, 2, 3],
  idle: '3s',
}
if (!Number.isInteger(config.voters) || config.voters < 1) throw new Error('--voters takes a positive whole number')
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const ns = `scaling${stamp}.`
const database = `scaling_${stamp}`
const names = topicNames({ELECTION_NAMESPACE: ns})

/** One configuration: k processes of one command draining the backlog. */
interface DrainResult {
  command: 'vote' | 'aggregate'
  processes: number
  /** 1-minute load average when the run started: above nproc, other work competed for the CPUs. */
  loadAverage: number
  /** Votes in the backlog (all of them drained). */
  votes: number
  /** Sampled from the group's committed offsets: start-up and the idle tail left out. */
  activeSeconds: number
  votesPerSecond: number
  votesPerSecondPerProcess: number
  /** From the first child's start to the last child's exit. */
  wallSeconds: number
  /** Each process as it reported itself (its count, its seconds including start-up and idle tail). */
  members: Array<{count: number; seconds: number; cliPerSecond: number; cpuSeconds: number | null; peakRssMb: number | null}>
  /** CPU seconds over the wall window, and the same as average cores busy. */
  cpuSeconds: {
    node: number
    postgres: number | null
    kafka: number | null
    harness: number
    machineBusy: number | null
    other: number | null
  }
  cores: {node: number; postgres: number | null; kafka: number | null; machineBusy: number | null; other: number | null}
  /** CPU milliseconds per vote, over the wall window. */
  cpuMsPerVote: {node: number; postgres: number | null; kafka: number | null}
  /** pg_stat_database deltas over the wall window, per second of the active span; WAL written (the whole server), per vote. */
  postgres: {commitsPerSecond: number; rowsInsertedPerSecond: number; rowsUpdatedPerSecond: number; walBytesPerVote: number}
}

const results = {
  date: new Date().toISOString(),
  namespace: ns,
  database,
  seconds: 0,
  machine: {...machineInfo(), loadAverageAtStart: loadAverage()} as Record<string, string | number | null>,
  config,
  register: [] as Array<{votersPerSecond: number; seconds: number}>,
  runs: [] as DrainResult[],
  sizes: {} as Record<string, number | null>,
  errors: [] as Array<{step: string; error: string}>,
}
const progress = new Progress(3 + 3 * config.processes.length)
const step = stepRunner(progress, results.errors)
const started = performance.now()
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits

/** Bytes of a topic's log segments on the local broker's disk (undefined for a remote broker). */
function topicBytesOnDisk(topic: string): number | undefined {
  const dataDir = path.join(stateDir(), 'kafka', 'data')
  let total = 0
  let found = false
  try {
    for (const dir of readdirSync(dataDir)) {
      if (!dir.startsWith(`${topic}-`) || !/^\d+$/.test(dir.slice(topic.length + 1))) continue
      found = true
      for (const file of readdirSync(path.join(dataDir, dir)))
        if (file.endsWith('.log')) total += statSync(path.join(dataDir, dir, file)).size
    }
  } catch {
    return undefined
  }
  return found ? total : undefined
}

const offsetSum = (offsets: Array<{offset: string}>) => offsets.reduce((n, o) => n + Number(o.offset), 0)

async function main(): Promise<void> {
  let services: Services | undefined
  let env: NodeJS.ProcessEnv = process.env
  let probe: KafkaProbe | undefined
  let pool: pg.Pool | undefined
  let databaseCreated = false

  const cleanup = async () => {
    stopAllChildren()
    await pool?.end().catch(() => {})
    if (probe) await probe.deleteNamespace(ns).catch((e) => progress.warn(`deleting topics ${ns}*: ${errorMessage(e)}`))
    await probe?.disconnect().catch(() => {})
    if (databaseCreated)
      await dropDatabase(services!.adminUrl, database).catch((e) => progress.warn(`dropping ${database}: ${errorMessage(e)}`))
  }
  process.once('exit', stopAllChildren)
  process.once('SIGINT', () => {
    progress.warn('interrupted: cleaning up')
    void cleanup().finally(() => process.exit(130))
  })
  const count = async (table: string) => Number((await pool!.query<{n: string}>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n)
  const pgStats = async () => {
    const {rows} = await pool!.query<{commits: string; inserted: string; updated: string; wal: string}>(
      `SELECT xact_commit AS commits, tup_inserted AS inserted, tup_updated AS updated, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal
       FROM pg_stat_database WHERE datname = current_database()`,
    )
    return {
      commits: Number(rows[0]!.commits),
      inserted: Number(rows[0]!.inserted),
      updated: Number(rows[0]!.updated),
      wal: Number(rows[0]!.wal),
    }
  }

  /**
   * Starts k processes of `command --exit-when-idle` at once and waits for all of them. The rate
   * comes from the group's committed offsets, sampled every 250 ms from the first move to the
   * final value; `votesPerOffset` corrects for transaction markers among the offsets.
   */
  const drain = async (
    command: 'vote' | 'aggregate',
    k: number,
    group: string,
    topic: string,
    votes: number,
    votesPerOffset: number,
  ): Promise<DrainResult> => {
    const sampler = new Sampler(
      () => probe!.committed(group, topic),
      250,
      (s) => progress.detail(`${command} x${k}: offsets ${s.v.toLocaleString('en-US')}`),
    )
    await sampler.start()
    // Postgres stats are flushed by backends at most once a second: let the previous run's settle.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const before = await pgStats()
    const cpu = new CpuWatch()
    cpu.track('postgres', () => treeCpu(services!.postgres.pid ?? undefined))
    cpu.track('kafka', () => processCpu(services!.kafka.pid ?? undefined))
    cpu.track('machineBusy', () => machineCpu()?.busy)
    cpu.track('harness', () => {
      const {user, system} = process.cpuUsage()
      return (user + system) / 1e6
    })
    const loadAtStart = loadAverage()
    const wallStarted = performance.now()
    const children = Array.from({length: k}, () => startCli<Record<string, number>>([command, '--exit-when-idle', config.idle], env))
    children.forEach((c, i) => cpu.track(`member${i}`, () => processCpu(c.child.pid), true))
    cpu.start()
    let outcomes: Array<CliResult<Record<string, number>>>
    let used: Record<string, number>
    try {
      outcomes = await Promise.all(children.map((c) => c.result))
    } finally {
      used = cpu.stop()
      await sampler.stop()
    }
    const wallSeconds = (performance.now() - wallStarted) / 1000
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const after = await pgStats()
    const stats = rateStats(sampler.samples)
    if (!stats) throw new Error(`${command} x${k}: the group's committed offsets never moved`)
    const activeSeconds = stats.activeSeconds
    const votesPerSecond = round(stats.mean * votesPerOffset)
    const node = children.reduce((n, _, i) => n + (used[`member${i}`] ?? 0), 0)
    const known = (x: number | undefined) => (x === undefined ? null : x)
    const pgCpu = known(used.postgres)
    const kafkaCpu = known(used.kafka)
    const machineBusy = known(used.machineBusy)
    const harness = used.harness ?? 0
    const other = machineBusy === null ? null : round(machineBusy - node - (pgCpu ?? 0) - (kafkaCpu ?? 0) - harness, 2)
    const perWall = (x: number | null) => (x === null ? null : round(x / wallSeconds, 2))
    const perVote = (x: number | null) => (x === null ? null : round((x * 1000) / votes, 4))
    const countField = command === 'vote' ? 'votes' : 'counted'
    return {
      command,
      processes: k,
      loadAverage: loadAtStart,
      votes,
      activeSeconds: round(activeSeconds, 2),
      votesPerSecond,
      votesPerSecondPerProcess: round(votesPerSecond / k),
      wallSeconds: round(wallSeconds, 2),
      members: outcomes.map((o, i) => ({
        count: o.json[countField] ?? 0,
        seconds: round(o.json.seconds ?? 0, 2),
        cliPerSecond: o.json.votesPerSecond ?? 0,
        cpuSeconds: used[`member${i}`] ?? null,
        peakRssMb: o.peakRssMb,
      })),
      cpuSeconds: {node: round(node, 2), postgres: pgCpu, kafka: kafkaCpu, harness, machineBusy, other},
      cores: {
        node: round(node / wallSeconds, 2),
        postgres: perWall(pgCpu),
        kafka: perWall(kafkaCpu),
        machineBusy: perWall(machineBusy),
        other: perWall(other),
      },
      cpuMsPerVote: {node: round((node * 1000) / votes, 4), postgres: perVote(pgCpu), kafka: perVote(kafkaCpu)},
      postgres: {
        commitsPerSecond: round((after.commits - before.commits) / activeSeconds),
        rowsInsertedPerSecond: round((after.inserted - before.inserted) / activeSeconds),
        rowsUpdatedPerSecond: round((after.updated - before.updated) / activeSeconds),
        walBytesPerVote: round((after.wal - before.wal) / votes),
      },
    }
  }

  try {
    const ready = await step('build, services up, fresh database and namespace', async () => {
      services = await servicesUp()
      if (!hasProc()) progress.warn('no /proc: CPU figures are left out')
      Object.assign(results.machine, {
        kafka: services.kafka.version,
        postgres: services.postgres.version,
        kafkaBrokers: services.kafka.address,
      })
      await createDatabase(services.adminUrl, database)
      databaseCreated = true
      const databaseUrl = withDatabase(services.adminUrl, database)
      env = {...process.env, ELECTION_NAMESPACE: ns, DATABASE_URL: databaseUrl}
      pool = new pg.Pool({connectionString: databaseUrl, max: 2})
      pool.on('error', (e) => progress.warn(`Postgres connection lost: ${e.message}`))
      probe = new KafkaProbe(services.kafka.address.split(','))
      await probe.connect()
      await runCli(['init-db', '--partitions', String(config.partitions)], env)
      await runCli(['seed-candidates'], env)
      return true
    })
    if (!ready) return

    // vote: each run drains a backlog of N fresh voters (registered just before it, another seed
    // each time) from where the group left off; Postgres keeps the earlier runs' votes, which
    // together form the aggregate backlog.
    const start = await probe!.highWatermarks(names.votes)
    let registeredVoters = 0
    for (const [i, k] of config.processes.entries()) {
      const registered = await step(`register-voters --count ${config.voters} --seed ${42 + i}`, async () => {
        const r = await runCli<{votersPerSecond: number; seconds: number}>(
          ['register-voters', '--count', String(config.voters), '--seed', String(42 + i)],
          env,
        )
        results.register.push({votersPerSecond: r.json.votersPerSecond, seconds: r.json.seconds})
        registeredVoters += config.voters
        return true
      })
      if (!registered) return
      const votersPerOffset = registeredVoters / offsetSum(await probe!.highWatermarks(names.voters))
      const ok = await step(`vote x${k}: ${config.voters} voters, ${config.partitions} partitions`, async () => {
        results.runs.push(await drain('vote', k, names.groups.vote, names.voters, config.voters, votersPerOffset))
        const stored = await count('votes')
        if (stored !== registeredVoters) throw new Error(`vote x${k}: ${stored} votes stored, expected ${registeredVoters}`)
        return true
      })
      if (!ok) return
    }

    // aggregate: every run counts all the votes cast above from scratch: totals emptied, the group moved back.
    const backlog = registeredVoters
    const end = await probe!.highWatermarks(names.votes)
    const votesPerOffset = backlog / (offsetSum(end) - offsetSum(start))
    for (const k of config.processes) {
      await step(`aggregate x${k}: ${backlog} votes, ${config.partitions} partitions`, async () => {
        await pool!.query('TRUNCATE aggregator_counted_votes, aggregator_totals')
        await probe!.setOffsets(names.groups.aggregate, names.votes, start)
        results.runs.push(await drain('aggregate', k, names.groups.aggregate, names.votes, backlog, votesPerOffset))
        const counted = await count('aggregator_counted_votes')
        if (counted !== backlog) throw new Error(`aggregate x${k}: ${counted} votes counted, expected ${backlog}`)
      })
    }

    // Sizes per record, for the plan: Kafka on disk (batches, headers, markers included), Postgres with indexes.
    await step('sizes of records and rows', async () => {
      const voters = config.voters * config.processes.length // every voter registered voted once
      const votesBytes = topicBytesOnDisk(names.votes)
      const votersBytes = topicBytesOnDisk(names.voters)
      results.sizes.votesTopicBytesPerVote = votesBytes === undefined ? null : round(votesBytes / voters, 1)
      results.sizes.votersTopicBytesPerVoter = votersBytes === undefined ? null : round(votersBytes / voters, 1)
      results.sizes.voteRecordKeyValueBytes = await probe!.firstRecordBytes(names.votes, `${ns}scaling-peek`)
      const {rows} = await pool!.query<{relname: string; bytes: string; heap: string}>(
        `SELECT relname, pg_total_relation_size(oid) AS bytes, pg_relation_size(oid) AS heap FROM pg_class
         WHERE relname = ANY($1) AND relkind = 'r' AND relnamespace = current_schema()::regnamespace`,
        [['voters', 'votes', 'aggregator_counted_votes']],
      )
      for (const r of rows) {
        results.sizes[`${r.relname}BytesPerRow`] = round(Number(r.bytes) / voters, 1)
        results.sizes[`${r.relname}HeapBytesPerRow`] = round(Number(r.heap) / voters, 1)
      }
    })
  } finally {
    await step('clean up (drop database, delete topics)', cleanup)
  }
}

await main()
progress.stop()
Object.assign(results.machine, {loadAverageAtEnd: loadAverage()})
results.seconds = round((performance.now() - started) / 1000, 1)

const dir = path.join(ROOT, 'bench', 'results')
await mkdir(dir, {recursive: true})
const file = path.join(dir, `scaling-${stamp}.json`)
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`)

const n = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined ? '-' : x.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits})
const table = new Table({
  head: [
    'run',
    'load',
    'active s',
    'votes/s',
    'per process',
    'node cores',
    'postgres cores',
    'kafka cores',
    'machine busy',
    'other',
    'PG commits/s',
    'PG rows ins/s',
    'WAL B/vote',
  ],
  style: process.stdout.isTTY ? undefined : {head: [], border: []},
})
for (const r of results.runs) {
  table.push([
    `${r.command} x${r.processes}`,
    n(r.loadAverage, 1),
    n(r.activeSeconds, 1),
    n(r.votesPerSecond),
    n(r.votesPerSecondPerProcess),
    n(r.cores.node, 2),
    n(r.cores.postgres, 2),
    n(r.cores.kafka, 2),
    n(r.cores.machineBusy, 2),
    n(r.cores.other, 2),
    n(r.postgres.commitsPerSecond),
    n(r.postgres.rowsInsertedPerSecond),
    n(r.postgres.walBytesPerVote),
  ])
}
console.log(table.toString())
console.log(`sizes: ${JSON.stringify(results.sizes)}`)
console.log(
  `${config.voters} voters per vote run in ${results.seconds} s; ` +
    `load average ${results.machine.loadAverageAtStart} → ${results.machine.loadAverageAtEnd} on ${results.machine.nproc} CPUs; ` +
    `results: ${path.relative(process.cwd(), file)}`,
)
for (const e of results.errors) console.log(`FAILED ${e.step}: ${e.error}`)
process.exitCode = results.errors.length ? 1 : 0
