/**
 * What the command tests share: SQL and Kafka look-ups on a test's own database and
 * namespace, and assertions on the CLI's results and errors.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {randomUUID} from 'node:crypto'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {killAllCli, runCli, runJson, waitFor, type CliResult} from './cli.js'
import {freshEnv, type TestEnv} from './services.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface KafkaRecord {
  key: string | null
  value: string | null
  headers: Record<string, string>
  partition: number
  offset: number
}

export interface ErrorJson {
  error: {name: string; message: string; suggestions?: string[]; exitCode: number}
}

export async function sql<R = Record<string, unknown>>(t: TestEnv, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(postgresPoolConfig(t.settings.postgres))
  await client.connect()
  try {
    return (await client.query(text, params)).rows as R[]
  } finally {
    await client.end()
  }
}

/** The tables of the test's database, sorted. */
export async function tablesIn(t: TestEnv): Promise<string[]> {
  const rows = await sql<{table_name: string}>(t, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
  return rows.map((r) => r.table_name).sort()
}

export const count = async (t: TestEnv, table: string) => (await sql<{n: number}>(t, `SELECT count(*)::int AS n FROM ${table}`))[0]!.n

/** Records in a topic (high minus low watermark, all partitions). */
export async function topicSize(t: TestEnv, topic: string): Promise<number> {
  const admin = createKafka(t.settings.kafka).admin()
  await admin.connect()
  try {
    // Right after a topic is recreated its leader may not be known yet: ask again.
    for (let attempt = 1; ; attempt++) {
      try {
        return (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
      } catch (error) {
        if (attempt >= 20) throw error
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  } finally {
    await admin.disconnect()
  }
}

/** Every committed (read_committed) record of a topic, read from the beginning to its end. */
export async function readTopic(t: TestEnv, topic: string): Promise<KafkaRecord[]> {
  const kafka = createKafka(t.settings.kafka)
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
  const high = new Map(offsets.map((o) => [o.partition, Number(o.high)]))
  const pending = new Set(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => o.partition))
  const records: KafkaRecord[] = []
  if (pending.size === 0) return records
  const consumer = kafka.consumer({groupId: `${t.namespace}test-reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100})
  await consumer.connect()
  try {
    await consumer.subscribe({topic, fromBeginning: true})
    await new Promise<void>((resolve, reject) => {
      const started = Date.now()
      let lastBatch = 0
      // Transaction markers take offsets but are never delivered: also stop after a quiet spell.
      const timer = setInterval(() => {
        if ((lastBatch && Date.now() - lastBatch > 1500) || Date.now() - started > 30_000) finish()
      }, 100)
      const finish = () => {
        clearInterval(timer)
        resolve()
      }
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({batch}) => {
            lastBatch = Date.now()
            for (const m of batch.messages) {
              const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]))
              records.push({
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? null,
                headers,
                partition: batch.partition,
                offset: Number(m.offset),
              })
            }
            if (Number(batch.lastOffset()) + 1 >= high.get(batch.partition)!) pending.delete(batch.partition)
            if (pending.size === 0) finish()
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return records
}

/** Runs the CLI and fails the test with its stderr unless it exits 0. */
export async function ok(t: TestEnv, ...args: string[]): Promise<CliResult> {
  const result = await runCli(args, t.env)
  assert.equal(result.code, 0, `election ${args.join(' ')} exited ${result.code}:\n${result.stderr}`)
  return result
}

/** init-db, seed-candidates, register-voters and vote (default seeds). */
export async function election(t: TestEnv, voters: number): Promise<void> {
  await ok(t, 'init-db')
  await Promise.all([ok(t, 'seed-candidates'), ok(t, 'register-voters', '--count', String(voters))])
  await ok(t, 'vote', '--exit-when-idle', '2s')
}

/** One `Error: ...` line on stderr (plus `Try:` suggestions), no stack trace, nothing on stdout, the given exit code. */
export function assertCleanError(result: CliResult, code: number, ...mentions: RegExp[]): void {
  const context = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, code, context)
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '')
  assert.match(lines[0] ?? '', /^Error: \S/, context)
  assert.doesNotMatch(result.stderr, /\n\s+at /, `no stack trace: ${context}`)
  for (const line of lines.slice(1)) assert.match(line, /^\s+Try: /, `the error is one line (then suggestions): ${context}`)
  for (const mention of mentions) assert.match(lines[0]!, mention, `the error line should mention ${mention}: ${context}`)
  assert.equal(result.stdout, '', context)
}

/** A `{error: {name, message, exitCode}}` document on stdout with a one-line message. */
export function assertJsonError(result: CliResult, code: number, ...mentions: RegExp[]): ErrorJson['error'] {
  const context = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, code, context)
  const {error} = JSON.parse(result.stdout) as ErrorJson
  assert.equal(typeof error.name, 'string', context)
  assert.equal(error.exitCode, code, context)
  assert.doesNotMatch(error.message, /\n/, `a one-line message: ${context}`)
  for (const mention of mentions) assert.match(error.message, mention, `the message should mention ${mention}: ${context}`)
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  return error
}

/** Runs every check and reports all the failures together, each with its label. */
export function allOf(checks: Array<[string, () => void]>): void {
  const failures: string[] = []
  for (const [label, check] of checks) {
    try {
      check()
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`)
    }
  }
  if (failures.length) assert.fail(failures.join('\n\n'))
}

/** Sends records as they are (acks from all replicas), e.g. poison records a test injects. */
export async function produce(t: TestEnv, topic: string, messages: Array<{key: string; value: string}>): Promise<void> {
  const producer = createKafka(t.settings.kafka).producer()
  await producer.connect()
  try {
    await producer.send({topic, acks: -1, messages})
  } finally {
    await producer.disconnect()
  }
}

interface VerifyJson {
  ok: boolean
  votes: number
  differences: unknown[]
}

/** verify exits 0, every registered voter voted once, and votes_topic holds one committed record per voter. */
export async function assertExactlyOnce(t: TestEnv, voters: number, ignore: (record: KafkaRecord) => boolean = () => false): Promise<void> {
  const verify = await runJson<VerifyJson>(['verify'], t.env)
  assert.equal(verify.code, 0, `verify: ${JSON.stringify(verify.json.differences?.slice(0, 5))} ${verify.stderr}`)
  assert.equal(verify.json.votes, voters)
  assert.equal(await count(t, 'votes'), voters, 'every registered voter voted once')
  const perVoter = new Map<string, number>()
  for (const record of await readTopic(t, topicNames(t.env).votes)) {
    if (!ignore(record)) perVoter.set(record.key ?? '', (perVoter.get(record.key ?? '') ?? 0) + 1)
  }
  const twice = [...perVoter].filter(([, n]) => n > 1)
  assert.deepEqual(twice.slice(0, 5), [], `${twice.length} voters have more than one record on votes_topic`)
  assert.equal(perVoter.size, voters, 'one votes_topic record per voter')
}

export async function prepare(voters: number, partitions = 6, servicesEnv?: NodeJS.ProcessEnv): Promise<TestEnv> {
  const t = await freshEnv(servicesEnv)
  await ok(t, 'init-db', '--partitions', String(partitions))
  await ok(t, 'seed-candidates')
  await ok(t, 'register-voters', '--count', String(voters))
  return t
}

/**
 * An election of `voters` registered voters for the enclosing describe: prepared in before(); after()
 * kills the CLI processes its tests left running and drops it. Read it in the tests through the getter.
 */
export function preparedElection(voters: number, partitions = 6): () => TestEnv {
  let t: TestEnv | undefined
  before(async () => {
    t = await prepare(voters, partitions)
  })
  after(async () => {
    killAllCli()
    await t?.drop()
  })
  return () => t!
}

/** Polls a condition (a state, not a time) until it holds; fails after `limitMs`. */
export async function until(condition: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`not reached within ${limitMs / 1000} s: ${what}`)
    await sleep(250)
  }
}

/** SIGTERM, and the process must end by itself (no second signal) with exit 0. */
export async function stopCleanly(child: ChildProcess, name: string, limitMs = 10_000): Promise<CliResult> {
  const exited = waitFor(child)
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
  const result = await exited
  clearTimeout(timer)
  assert.equal(result.signal, null, `${name} did not end within ${limitMs / 1000} s of SIGTERM: ${result.stderr.slice(-2000)}`)
  assert.equal(result.code, 0, `${name}: ${result.stderr.slice(-2000)}`)
  return result
}
