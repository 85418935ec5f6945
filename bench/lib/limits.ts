import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {promisify} from 'node:util'

import pg from 'pg'
import {from as copyFrom, to as copyTo} from 'pg-copy-streams'

const run = promisify(execFile)

/**
 * The machine's limits, measured with the real tools: Kafka's own ProducerPerformance
 * and ConsumerPerformance (from the kafka-tools jar the broker's classpath already has),
 * and a Postgres COPY of real voter rows.
 */
export interface ProducerLimit {
  records: number
  recordBytes: number
  recordsPerSecond: number
  mbPerSecond: number
  avgLatencyMs: number
  p99LatencyMs: number
}

export interface ConsumerLimit {
  messages: number
  /** fetch.nMsg.sec: messages per second excluding the group join. */
  messagesPerSecond: number
  /** nMsg.sec: including the group join. */
  messagesPerSecondWithJoin: number
  mbPerSecond: number
}

export interface CopyLimit {
  rows: number
  bytes: number
  seconds: number
  rowsPerSecond: number
}

async function java(classpath: string, main: string, args: string[]): Promise<string> {
  // In a folder of its own, removed after: a fixed name in the shared /tmp may be a planted symlink,
  // which the bench (often run as root) would write through; and nothing is left behind.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'election-bench-'))
  try {
    const log4j = path.join(dir, 'log4j2.properties')
    await writeFile(log4j, 'status = error\nrootLogger.level = error\n')
    const {stdout} = await run('java', ['-Xmx1g', '-cp', classpath, `-Dlog4j2.configurationFile=${log4j}`, main, ...args], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60_000,
    })
    return stdout
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

export async function producerPerf(
  classpath: string,
  brokers: string,
  topic: string,
  records: number,
  recordBytes: number,
): Promise<ProducerLimit> {
  const out = await java(classpath, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
  ])
  // The last line is the total: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, ..., P ms 99th, ..."
  const total = out.trim().split('\n').pop() ?? ''
  const match = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.* ([\d.]+) ms 99th/.exec(total)
  if (!match) throw new Error(`unexpected ProducerPerformance output: ${total}`)
  return {
    records: Number(match[1]),
    recordBytes,
    recordsPerSecond: Math.round(Number(match[2])),
    mbPerSecond: Number(match[3]),
    avgLatencyMs: Number(match[4]),
    p99LatencyMs: Number(match[5]),
  }
}

export async function consumerPerf(
  classpath: string,
  brokers: string,
  topic: string,
  messages: number,
  group: string,
): Promise<ConsumerLimit> {
  const out = await java(classpath, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--messages',
    String(messages),
    '--group',
    group,
    '--timeout',
    '30000',
  ])
  // A header line of comma-separated names, then one line of values.
  const lines = out
    .trim()
    .split('\n')
    .filter((l) => l.includes(','))
  const header = lines.find((l) => l.includes('nMsg.sec'))
  const values = lines[lines.length - 1]
  if (!header || !values || values === header) throw new Error(`unexpected ConsumerPerformance output: ${out.trim()}`)
  const row = Object.fromEntries(header.split(',').map((name, i) => [name.trim(), values.split(',')[i]?.trim() ?? '']))
  return {
    messages: Number(row['data.consumed.in.nMsg']),
    messagesPerSecond: Math.round(Number(row['fetch.nMsg.sec'])),
    messagesPerSecondWithJoin: Math.round(Number(row['nMsg.sec'])),
    mbPerSecond: Number(row['fetch.MB.sec']),
  }
}

/**
 * Reads `rows` voters into memory first (COPY TO), then times COPY FROM STDIN of them
 * into a fresh table LIKE voters INCLUDING ALL (same columns, primary key and index, logged).
 */
export async function copyVoters(databaseUrl: string, rows: number): Promise<CopyLimit> {
  const client = new pg.Client({connectionString: databaseUrl})
  await client.connect()
  try {
    const chunks: Buffer[] = []
    await pipeline(
      client.query(copyTo(`COPY (SELECT * FROM voters LIMIT ${Math.floor(rows)}) TO STDOUT`)),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk)
      },
    )
    const bytes = chunks.reduce((n, c) => n + c.length, 0)
    const copied = chunks.reduce((n, c) => n + c.filter((b) => b === 10).length, 0)
    await client.query('DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE voters INCLUDING ALL)')
    const started = performance.now()
    await pipeline(Readable.from(chunks), client.query(copyFrom('COPY bench_copy FROM STDIN')))
    const seconds = (performance.now() - started) / 1000
    await client.query('DROP TABLE bench_copy')
    return {rows: copied, bytes, seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: Math.round(copied / seconds)}
  } finally {
    await client.end()
  }
}
