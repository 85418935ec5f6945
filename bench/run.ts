/**
 * `npm run bench [-- --quick]`: measures the machine's limits with Kafka's and Postgres's own tools,
 * then the election commands against them, in a fresh namespace and database. See bench/README.md.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import pg from 'pg'

import {kafkaClasspath} from '../src/lib/services/kafka-local.js'
import {stateDir} from '../src/lib/config/state.js'
import {topicNames} from '../src/lib/kafka/topics.js'
import {ROOT, runCli, startCli, stopAllChildren} from './lib/cli.js'
import {freePort} from '../src/lib/services/process.js'
import {cpuUse, hasProc} from './lib/cpu.js'
import {dashboardCost} from './lib/dashboard.js'
import {KafkaProbe} from './lib/kafka.js'
import {latencyBetween, latencyCounts, latencyCountsAfterFirstVotes, type LatencyCounts} from './lib/latency.js'
import {measureConsumeParse, measureProduce, measureTransactional} from './lib/kafkajs-limits.js'
import {consumerPerf, copyVoters, producerPerf} from './lib/limits.js'
import {errorMessage, Progress, stepRunner} from './lib/progress.js'
import {renderTable, type BenchResults, type ThroughputResult} from './lib/report.js'
import {rateStats, Sampler} from './lib/sampler.js'
import {createDatabase, dropDatabase, loadAverage, machineInfo, servicesUp, withDatabase} from './lib/setup.js'

const quick = process.argv.includes('--quick')
const config = {
  voters: quick ? 100_000 : 1_000_000,
  perfRecords: quick ? 100_000 : 1_000_000,
  rates: [100, 1000, 5000],
  rateSeconds: quick ? 10 : 60,
  latencyRates: [1000, 5000, 20_000],
  latencySeconds: quick ? 10 : 30,
  idle: '3s',
}
/** The rate at which the dashboard's cost is measured (issue: 5,000 votes/s). */
const DASHBOARD_RATE = 5000
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const ns = `bench${stamp}.`
const database = `bench_${stamp}`
const names = topicNames({ELECTION_NAMESPACE: ns})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const results: BenchResults = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  namespace: ns,
  database,
  seconds: 0,
  machine: {...machineInfo(), loadAverageAtStart: loadAverage()},
  config,
  limits: {},
  rates: [],
  latency: [],
  ratios: {},
  errors: [],
}
const progress = new Progress(17)
const started = performance.now()

const step = stepRunner(progress, results.errors)

/** Active throughput from sampled counts; the CLI's own figure includes start-up and the idle tail. */
function throughput(
  samples: Parameters<typeof rateStats>[0],
  count: number,
  cliPerSecond: number,
  wallSeconds: number,
  scale = 1,
): ThroughputResult {
  const stats = rateStats(samples)
  return {
    count,
    perSecond: stats ? Math.round(stats.mean * scale) : cliPerSecond,
    activeSeconds: Math.round((stats?.activeSeconds ?? 0) * 1000) / 1000,
    cliPerSecond,
    wallSeconds,
    cpu: stats?.busySeconds === undefined ? undefined : cpuUse(stats.busySeconds, stats.activeSeconds, stats.count * scale),
  }
}

async function main(): Promise<void> {
  let env: NodeJS.ProcessEnv = process.env
  let adminUrl = ''
  let probe: KafkaProbe | undefined
  let pool: pg.Pool | undefined
  let databaseCreated = false
  const sampler = (group: string, topic: string, everyMs: number, label: string) =>
    new Sampler(
      () => probe!.committed(group, topic),
      everyMs,
      (s) => progress.detail(`${label}: ${s.v.toLocaleString('en-US')}`),
    )

  const cleanup = async () => {
    stopAllChildren()
    await pool?.end().catch(() => {})
    if (probe) await probe.deleteNamespace(ns).catch((e) => progress.warn(`deleting topics ${ns}*: ${errorMessage(e)}`))
    await probe?.disconnect().catch(() => {})
    if (databaseCreated) await dropDatabase(adminUrl, database).catch((e) => progress.warn(`dropping ${database}: ${errorMessage(e)}`))
  }
  // Whatever happens, no CLI child outlives the harness.
  process.once('exit', stopAllChildren)
  process.once('SIGINT', () => {
    progress.warn('interrupted: cleaning up')
    void cleanup().finally(() => process.exit(130))
  })

  try {
    const ready = await step('build and services up', async () => {
      const services = await servicesUp()
      const {kafka, postgres} = services
      adminUrl = services.adminUrl
      Object.assign(results.machine, {kafka: kafka.version, postgres: postgres.version, kafkaBrokers: kafka.address})
      await createDatabase(adminUrl, database)
      databaseCreated = true
      const databaseUrl = withDatabase(adminUrl, database)
      env = {...process.env, ELECTION_NAMESPACE: ns, DATABASE_URL: databaseUrl}
      pool = new pg.Pool({connectionString: databaseUrl, max: 2})
      pool.on('error', (e) => progress.warn(`Postgres connection lost: ${e.message}`))
      probe = new KafkaProbe(kafka.address.split(','))
      await probe.connect()
      await runCli(['init-db'], env)
      await runCli(['seed-candidates'], env)
      return {brokers: kafka.address}
    })
    if (!ready) return

    // 2. register-voters: the CLI's voters/s, peak RSS from /proc/<pid>/status VmHWM.
    await step(`register-voters --count ${config.voters}`, async () => {
      const r = await runCli<{count: number; votersPerSecond: number; seconds: number}>(
        ['register-voters', '--count', String(config.voters)],
        env,
      )
      results.register = {
        count: r.json.count,
        perSecond: r.json.votersPerSecond,
        activeSeconds: r.json.seconds,
        cliPerSecond: r.json.votersPerSecond,
        wallSeconds: r.wallSeconds,
        peakRssMb: r.peakRssMb,
      }
    })

    // 3a. vote, unlimited, with the aggregator stopped: leaves the backlog for step 4.
    await step('vote (unlimited)', async () => {
      const s = sampler(names.groups.vote, names.voters, 250, 'voters consumed')
      await s.start()
      const r = await runCli<{votes: number; votesPerSecond: number}>(['vote', '--exit-when-idle', config.idle], env).finally(() =>
        s.stop(),
      )
      results.vote = throughput(s.samples, r.json.votes, r.json.votesPerSecond, r.wallSeconds)
    })

    // 1. Limits, with a record the size of a real vote.
    const recordBytes = (await step('measure a vote record', () => probe!.firstRecordBytes(names.votes, `${ns}bench-peek`))) ?? 850
    Object.assign(config, {recordBytes})
    const classpath = await step('resolve Kafka tools classpath', () => kafkaClasspath(stateDir()))
    const perfTopic = `${ns}bench-perf`
    if (classpath) {
      await step(`ProducerPerformance ${config.perfRecords} x ${recordBytes} B`, async () => {
        await probe!.createTopic(perfTopic, 6)
        results.limits.producer = await producerPerf(classpath, ready.brokers, perfTopic, config.perfRecords, recordBytes)
      })
      await step(`ConsumerPerformance ${config.perfRecords}`, async () => {
        results.limits.consumer = await consumerPerf(classpath, ready.brokers, perfTopic, config.perfRecords, `${ns}bench-perf-consumer`)
      })
    }
    // The client's own ceilings (kafkajs, as the commands drive it), on the votes the vote step left.
    const votes = results.vote?.count ?? 0
    await step(`kafkajs produce ${config.perfRecords} x ${recordBytes} B (idempotent, acks=all)`, async () => {
      await probe!.createTopic(`${ns}bench-kafkajs-produce`, 6)
      results.limits.kafkajs = {
        ...results.limits.kafkajs,
        produce: await measureProduce(probe!.kafka, `${ns}bench-kafkajs-produce`, config.perfRecords, Buffer.alloc(recordBytes, 'x')),
      }
    })
    if (votes > 0) {
      await step(`kafkajs consume + JSON.parse ${votes} votes`, async () => {
        results.limits.kafkajs = {...results.limits.kafkajs, consumeParse: await measureConsumeParse(probe!.kafka, names.votes, votes, 6)}
      })
      await step(`kafkajs transactional loop ${votes} votes (sendOffsets per 1,000)`, async () => {
        await probe!.createTopic(`${ns}bench-kafkajs-txn`, 6)
        results.limits.kafkajs = {
          ...results.limits.kafkajs,
          transactional: await measureTransactional(probe!.kafka, names.votes, `${ns}bench-kafkajs-txn`, votes, 6),
        }
      })
    }
    await step(`Postgres COPY ${config.voters} voter rows`, async () => {
      results.limits.copy = await copyVoters(env.DATABASE_URL!, config.voters)
    })

    // 4. aggregate drains the backlog from 3a. Offsets on votes_topic include transaction
    // markers, so the sampled rate is scaled by votes consumed per offset.
    await step(`aggregate (backlog of ${results.vote?.count ?? '?'} votes)`, async () => {
      const s = sampler(names.groups.aggregate, names.votes, 250, 'votes_topic offsets committed by the aggregator')
      await s.start()
      const r = await runCli<{consumed: number; votesPerSecond: number}>(['aggregate', '--exit-when-idle', config.idle], env).finally(() =>
        s.stop(),
      )
      const offsets = s.samples[s.samples.length - 1]!.v - s.samples[0]!.v
      results.aggregate = throughput(
        s.samples,
        r.json.consumed,
        r.json.votesPerSecond,
        r.wallSeconds,
        offsets > 0 ? r.json.consumed / offsets : 1,
      )
    })

    // Fresh voters (another seed) for every latency and rate run, registered up front.
    const fresh = Math.ceil(
      1.05 *
        (config.rates.reduce((a, r) => a + r * config.rateSeconds, 0) +
          config.latencyRates.reduce((a, r) => a + r * config.latencySeconds, 0) +
          (hasProc() ? DASHBOARD_RATE * config.latencySeconds : 0)),
    )
    await step(`register ${fresh} more voters`, () => runCli(['register-voters', '--count', String(fresh), '--seed', '7'], env))
    // 5. Latency: aggregate (no exit flag) alongside vote --rate; SIGTERM makes it print its summary.
    // Step 4 counted every vote so far, so the aggregator's latency histogram holds only these runs' votes.
    const uncounted = async () => {
      const {rows} = await pool!.query<{lag: string}>(
        'SELECT (SELECT count(*) FROM votes) - (SELECT count(*) FROM aggregator_counted_votes) AS lag',
      )
      return Number(rows[0]?.lag)
    }
    const caughtUp = async () => {
      for (let deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(250)) if ((await uncounted()) <= 0) return
      throw new Error('the aggregator did not count every vote within 90 s')
    }
    // The latency runs, then one more at DASHBOARD_RATE with the live dashboard beside it: measured
    // apart, so that the dashboard's CPU does not weigh on the latency figures.
    const runs = [
      ...config.latencyRates.map((rate) => ({rate, dashboard: false})),
      ...(hasProc() ? [{rate: DASHBOARD_RATE, dashboard: true}] : []),
    ]
    for (const {rate, dashboard} of runs) {
      const title = dashboard
        ? `dashboard (pty 120x40) at ${rate}/s for ${config.latencySeconds}s`
        : `latency at ${rate}/s for ${config.latencySeconds}s`
      await step(title, async () => {
        const metricsPort = await freePort()
        const aggregator = startCli<{latencyMs: {count: number; p50: number; p99: number; max: number}}>(
          ['aggregate', '--metrics-port', String(metricsPort)],
          env,
        )
        // The aggregator's histogram a third of the run after its first votes were published, and at the end: the latency after the start.
        const startSeconds = Math.round(config.latencySeconds / 3)
        let afterStart: Promise<LatencyCounts | undefined> | undefined
        let atEnd: LatencyCounts | undefined
        try {
          await probe!.waitForMember(names.groups.aggregate)
          await caughtUp()
          const castVotes = () => {
            // Reported as missing if it fails, never a failed step.
            if (!dashboard) afterStart = latencyCountsAfterFirstVotes(metricsPort, startSeconds).catch(() => undefined)
            return runCli<{votes: number}>(['vote', '--rate', String(rate), '--duration', `${config.latencySeconds}s`], env)
          }
          let vote: Awaited<ReturnType<typeof castVotes>> | undefined
          if (dashboard) {
            results.dashboard = await dashboardCost(env, {columns: 120, rows: 40, rate}, async () => {
              vote = await castVotes()
            })
          } else vote = await castVotes()
          progress.detail(`${vote!.json.votes} votes cast; waiting for the aggregator to count them`)
          await caughtUp()
          await sleep(1000) // at least one publish interval, so the last totals go out
          if (!dashboard) atEnd = await latencyCounts(metricsPort).catch(() => undefined)
        } finally {
          aggregator.child.kill('SIGTERM')
        }
        const {latencyMs} = (await aggregator.result).json
        const start = await afterStart
        if (!dashboard)
          results.latency.push({
            rate,
            seconds: config.latencySeconds,
            ...latencyMs,
            afterStart: start && atEnd ? latencyBetween(start, atEnd, startSeconds) : undefined,
          })
      })
    }
    // 3b. vote --rate accuracy, sampled every 100 ms from the vote group's committed offsets.
    for (const rate of config.rates) {
      await step(`vote --rate ${rate} --duration ${config.rateSeconds}s`, async () => {
        const s = sampler(names.groups.vote, names.voters, 100, `votes at ${rate}/s`)
        await s.start()
        const r = await runCli<{votes: number; votesPerSecond: number}>(
          ['vote', '--rate', String(rate), '--duration', `${config.rateSeconds}s`],
          env,
        ).finally(() => s.stop())
        const stats = rateStats(s.samples)
        results.rates.push({
          target: rate,
          seconds: config.rateSeconds,
          votes: r.json.votes,
          mean: stats?.mean ?? 0,
          worstWindow: stats?.worstWindow ?? null,
          bestWindow: stats?.bestWindow ?? null,
          cliVotesPerSecond: r.json.votesPerSecond,
        })
      })
    }
  } finally {
    await step('clean up (drop database, delete topics)', cleanup)
  }
}

await main()
progress.stop()

// 6. Ratios to the matching limit.
const {producer, consumer, copy} = results.limits
const ratio = (ours: number | undefined, limit: number | undefined) =>
  ours && limit ? Math.round((ours / limit) * 1000) / 1000 : undefined
results.ratios = {
  register: ratio(results.register?.perSecond, Math.min(producer?.recordsPerSecond ?? Infinity, copy?.rowsPerSecond ?? Infinity)),
  vote: ratio(results.vote?.perSecond, producer?.recordsPerSecond),
  aggregate: ratio(results.aggregate?.perSecond, consumer?.messagesPerSecond),
  voteToKafkajs: ratio(results.vote?.perSecond, results.limits.kafkajs?.transactional?.recordsPerSecond),
  aggregateToKafkajs: ratio(results.aggregate?.perSecond, results.limits.kafkajs?.consumeParse?.recordsPerSecond),
  // Inverted: the client's CPU per record over the command's, so that 100 % again means "as cheap as kafkajs alone".
  voteCpuToKafkajs: ratio(results.limits.kafkajs?.transactional?.cpu?.microsPerRecord, results.vote?.cpu?.microsPerRecord),
  aggregateCpuToKafkajs: ratio(results.limits.kafkajs?.consumeParse?.cpu?.microsPerRecord, results.aggregate?.cpu?.microsPerRecord),
}
Object.assign(results.machine, {loadAverageAtEnd: loadAverage()})
results.seconds = Math.round((performance.now() - started) / 100) / 10

const dir = path.join(ROOT, 'bench', 'results')
await mkdir(dir, {recursive: true})
const file = path.join(dir, `${stamp}.json`)
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`)
console.log(renderTable(results))
console.log(`${results.mode} run in ${results.seconds} s; results: ${path.relative(process.cwd(), file)}`)
const busy = Math.max(Number(results.machine.loadAverageAtStart), Number(results.machine.loadAverageAtEnd))
if (busy > Number(results.machine.nproc))
  console.log(
    `NOTE: load average ${busy} > ${results.machine.nproc} CPUs: other processes shared the machine; ` +
      'figures are lower than on an idle one.',
  )
for (const e of results.errors) console.log(`FAILED ${e.step}: ${e.error}`)
process.exitCode = results.errors.length ? 1 : 0
