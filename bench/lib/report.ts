import Table from 'cli-table3'

import type {CpuUse} from './cpu.js'
import type {DashboardCost} from './dashboard.js'
import type {KafkajsLimits} from './kafkajs-limits.js'
import type {LatencyAfterStart} from './latency.js'
import type {ConsumerLimit, CopyLimit, ProducerLimit} from './limits.js'

export interface RateResult {
  target: number
  seconds: number
  votes: number
  mean: number
  worstWindow: number | null
  bestWindow: number | null
  cliVotesPerSecond: number
}

export interface LatencyResult {
  rate: number
  seconds: number
  count: number
  p50: number
  p99: number
  max: number
  /** The votes published after the start of the run (see latency.ts). */
  afterStart?: LatencyAfterStart
}

export interface ThroughputResult {
  count: number
  /** Active rate: start-up and idle tail excluded (see README). */
  perSecond: number
  activeSeconds: number
  /** What the command itself reported (whole run, idle tail included). */
  cliPerSecond: number
  wallSeconds: number
  /** What the active span cost the machine (see cpu.ts). */
  cpu?: CpuUse
}

export interface BenchResults {
  date: string
  mode: 'quick' | 'full'
  namespace: string
  database: string
  seconds: number
  machine: Record<string, string | number | null>
  config: Record<string, unknown>
  limits: {producer?: ProducerLimit; consumer?: ConsumerLimit; copy?: CopyLimit; kafkajs?: Partial<KafkajsLimits>}
  register?: ThroughputResult & {peakRssMb: number | null}
  vote?: ThroughputResult
  aggregate?: ThroughputResult
  rates: RateResult[]
  latency: LatencyResult[]
  /** The live dashboard in a pseudo-terminal during one latency run. */
  dashboard?: DashboardCost
  /**
   * vote and aggregate to Kafka's Java tools, and to kafkajs driven the same way (…ToKafkajs); …CpuToKafkajs:
   * kafkajs' machine CPU per record over the command's (1: the command costs the machine no more than the client alone).
   */
  ratios: {
    register?: number
    vote?: number
    aggregate?: number
    voteToKafkajs?: number
    aggregateToKafkajs?: number
    voteCpuToKafkajs?: number
    aggregateCpuToKafkajs?: number
  }
  errors: Array<{step: string; error: string}>
}

const n = (x: number | null | undefined) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US'))
const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`)
/** ", 19.9 µs CPU/record on 1.46 cores": what the span cost the whole machine (empty without /proc). */
const cpu = (c: CpuUse | undefined, unit = 'record') =>
  c ? `, ${c.microsPerRecord.toFixed(1)} µs CPU/${unit} on ${c.cores.toFixed(2)} cores` : ''

export function renderTable(r: BenchResults): string {
  const {producer, consumer, copy} = r.limits
  const kafkajs = r.limits.kafkajs ?? {}
  const table = new Table({head: ['measure', 'result', 'limit', 'ratio'], style: process.stdout.isTTY ? undefined : {head: [], border: []}})
  table.push(
    [
      `Kafka ProducerPerformance (${producer?.recordBytes ?? '?'} B, acks=all)`,
      `${n(producer?.recordsPerSecond)} rec/s (${producer?.mbPerSecond ?? '-'} MB/s)`,
      '',
      '',
    ],
    ['Kafka ConsumerPerformance (fetch)', `${n(consumer?.messagesPerSecond)} msg/s (${consumer?.mbPerSecond ?? '-'} MB/s)`, '', ''],
    ['Postgres COPY voter rows', `${n(copy?.rowsPerSecond)} rows/s`, '', ''],
    ['kafkajs produce (idempotent, acks=all)', `${n(kafkajs.produce?.recordsPerSecond)} rec/s${cpu(kafkajs.produce?.cpu)}`, '', ''],
    ['kafkajs consume + JSON.parse', `${n(kafkajs.consumeParse?.recordsPerSecond)} rec/s${cpu(kafkajs.consumeParse?.cpu)}`, '', ''],
    [
      `kafkajs transactional loop (sendOffsets per ${n(kafkajs.transactional?.chunk)})`,
      `${n(kafkajs.transactional?.recordsPerSecond)} rec/s${cpu(kafkajs.transactional?.cpu)}`,
      '',
      '',
    ],
    [
      `register-voters --count ${n(r.register?.count)}`,
      `${n(r.register?.cliPerSecond)} voters/s, peak RSS ${n(r.register?.peakRssMb)} MB`,
      `${n(Math.min(producer?.recordsPerSecond ?? Infinity, copy?.rowsPerSecond ?? Infinity))} (min producer, COPY)`,
      pct(r.ratios.register),
    ],
    [
      `vote (unlimited, ${n(r.vote?.count)} voters)`,
      `${n(r.vote?.perSecond)} votes/s (CLI says ${n(r.vote?.cliPerSecond)})${cpu(r.vote?.cpu, 'vote')}`,
      `${n(producer?.recordsPerSecond)} (producer)`,
      pct(r.ratios.vote),
    ],
    [
      '  vote to the kafkajs transactional loop',
      '',
      `${n(kafkajs.transactional?.recordsPerSecond)} (kafkajs)`,
      pct(r.ratios.voteToKafkajs),
    ],
    [
      '  vote to the loop, CPU per record',
      '',
      `${kafkajs.transactional?.cpu?.microsPerRecord ?? '-'} µs (kafkajs)`,
      pct(r.ratios.voteCpuToKafkajs),
    ],
  )
  for (const rate of r.rates) {
    table.push([
      `vote --rate ${rate.target} (${rate.seconds} s)`,
      `mean ${n(rate.mean)}/s, worst 1 s ${n(rate.worstWindow)}/s, best 1 s ${n(rate.bestWindow)}/s`,
      `${rate.target}/s`,
      pct(rate.mean / rate.target),
    ])
  }
  table.push([
    `aggregate (backlog of ${n(r.aggregate?.count)})`,
    `${n(r.aggregate?.perSecond)} votes/s (CLI says ${n(r.aggregate?.cliPerSecond)})${cpu(r.aggregate?.cpu, 'vote')}`,
    `${n(consumer?.messagesPerSecond)} (consumer)`,
    pct(r.ratios.aggregate),
  ])
  table.push([
    '  aggregate to kafkajs consume + JSON.parse',
    '',
    `${n(kafkajs.consumeParse?.recordsPerSecond)} (kafkajs)`,
    pct(r.ratios.aggregateToKafkajs),
  ])
  table.push([
    '  aggregate to consume + parse, CPU per record',
    '',
    `${kafkajs.consumeParse?.cpu?.microsPerRecord ?? '-'} µs (kafkajs)`,
    pct(r.ratios.aggregateCpuToKafkajs),
  ])
  for (const l of r.latency) {
    table.push([
      `latency voting_time → aggregate @ ${l.rate}/s`,
      `p50 ${n(l.p50)} ms, p99 ${n(l.p99)} ms, max ${n(l.max)} ms (${n(l.count)} votes)` +
        (l.afterStart
          ? `; after the first ${l.afterStart.afterSeconds} s: ${pct(l.afterStart.within100ms ?? undefined)} ≤ 100 ms, ` +
            `${pct(l.afterStart.within250ms ?? undefined)} ≤ 250 ms (${n(l.afterStart.votes)} votes)`
          : ''),
      '',
      '',
    ])
  }
  const d = r.dashboard
  if (d)
    table.push([
      `dashboard @ ${d.rate}/s (pty ${d.columns}x${d.rows}, ${d.seconds} s)`,
      `${d.cpuPct.toFixed(1)}% of a core, peak RSS ${n(d.peakRssMb)} MB (${n(d.rssMbAtEnd)} MB at the end)`,
      '',
      '',
    ])
  return table.toString()
}
