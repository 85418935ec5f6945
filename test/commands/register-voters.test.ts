import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson, type CliResult} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

interface RegisterResult {
  count: number
  inserted: number
  existing: number
  seconds: number
  votersPerSecond: number
}

interface KafkaRecord {
  key: string | null
  value: string | null
}

async function sql<R = Record<string, unknown>>(t: TestEnv, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(postgresPoolConfig(t.settings.postgres))
  await client.connect()
  try {
    return (await client.query(text, params)).rows as R[]
  } finally {
    await client.end()
  }
}

const count = async (t: TestEnv, table: string) => (await sql<{n: number}>(t, `SELECT count(*)::int AS n FROM ${table}`))[0]!.n

/** Every voter row, all columns, dates as text, in voter_id order. */
const voterRows = (t: TestEnv) =>
  sql(t, `SELECT *, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM voters ORDER BY voter_id`)

/** A voter row in the voters_topic record shape (nested address). */
function asRecord(row: Record<string, unknown>) {
  return {
    voter_id: row.voter_id,
    voter_name: row.voter_name,
    date_of_birth: row.date_of_birth,
    gender: row.gender,
    nationality: row.nationality,
    registration_number: row.registration_number,
    address: {street: row.address_street, city: row.address_city, state: row.address_state, country: row.address_country, postcode: row.address_postcode},
    email: row.email,
    phone_number: row.phone_number,
    cell_number: row.cell_number,
    picture: row.picture,
    registered_age: row.registered_age,
  }
}

/** Records on a topic written without transactions: the sum of high minus low offsets. */
async function topicSize(t: TestEnv, topic: string): Promise<number> {
  const admin = createKafka(t.settings.kafka).admin()
  await admin.connect()
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Every committed record of a topic, read from the beginning to its end. */
async function readTopic(t: TestEnv, topic: string): Promise<KafkaRecord[]> {
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
            for (const m of batch.messages) records.push({key: m.key?.toString() ?? null, value: m.value?.toString() ?? null})
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

async function ok(t: TestEnv, ...args: string[]): Promise<CliResult> {
  const result = await runCli(args, t.env)
  assert.equal(result.code, 0, `election ${args.join(' ')} exited ${result.code}:\n${result.stderr}`)
  return result
}

function assertCleanError(result: CliResult, code: number, ...mentions: RegExp[]): void {
  const context = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, code, context)
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '')
  assert.match(lines[0] ?? '', /^Error: \S/, context)
  assert.doesNotMatch(result.stderr, /\n\s+at /, `no stack trace: ${context}`)
  for (const line of lines.slice(1)) assert.match(line, /^\s+Try: /, `the error is one line (then suggestions): ${context}`)
  for (const mention of mentions) assert.match(lines[0]!, mention, `the error line should mention ${mention}: ${context}`)
  assert.equal(result.stdout, '', context)
}

/** Runs every check and reports all the failures together, each with its label. */
function allOf(checks: Array<[string, () => void]>): void {
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

describe('election register-voters', () => {
  // a: default batch size; b: the same in another database; c: another batch size.
  let a: TestEnv
  let b: TestEnv
  let c: TestEnv
  before(async () => {
    ;[a, b, c] = await Promise.all([freshEnv(), freshEnv(), freshEnv()])
    await Promise.all([a, b, c].map((t) => ok(t, 'init-db')))
  })
  after(async () => Promise.all([a, b, c].map((t) => t?.drop())))

  it('refuses --count 0 and other bad input with one clear line, writing nothing', async () => {
    const [zero, batch, locale, word] = await Promise.all([
      runCli(['register-voters', '--count', '0'], a.env),
      runCli(['register-voters', '--count', '5', '--batch-size', '0'], a.env),
      runCli(['register-voters', '--count', '5', '--locale', 'xx_YY'], a.env),
      runCli(['register-voters', '--count', 'many'], a.env),
    ])
    assert.equal(await count(a, 'voters'), 0)
    assert.equal(await topicSize(a, topicNames(a.env).voters), 0)
    // The error line says what is wrong: the flag and the value given.
    allOf([
      ['register-voters --count 0', () => assertCleanError(zero, 2, /--count/, /\b0\b/)],
      ['register-voters --batch-size 0', () => assertCleanError(batch, 2, /--batch-size/, /\b0\b/)],
      ['register-voters --locale xx_YY', () => assertCleanError(locale, 2, /unknown locale "xx_YY"/)],
      ['register-voters --count many', () => assertCleanError(word, 2, /--count/, /many/)],
    ])
  })

  it('registers 1000 voters in Postgres and on voters_topic, one record each in the reference shape', async () => {
    const {code, json, stderr} = await runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1000'], a.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), ['count', 'existing', 'inserted', 'seconds', 'votersPerSecond'])
    assert.equal(json.count, 1000)
    assert.equal(json.inserted, 1000)
    assert.equal(json.existing, 0)
    assert.ok(json.seconds > 0 && json.votersPerSecond > 0, JSON.stringify(json))
    const rows = await voterRows(a)
    assert.equal(rows.length, 1000)
    assert.equal(await topicSize(a, topicNames(a.env).voters), 1000)
    const records = await readTopic(a, topicNames(a.env).voters)
    assert.equal(records.length, 1000)
    const byId = new Map(records.map((r) => [r.key, JSON.parse(r.value!) as Record<string, unknown>]))
    assert.equal(byId.size, 1000, 'one record per voter, keyed by voter_id')
    for (const row of rows) assert.deepEqual(byId.get(row.voter_id as string), asRecord(row))
  })

  it('is deterministic: same seed and count in another database give identical voters, whatever the batch size', async () => {
    const [inB, inC] = await Promise.all([
      runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1000'], b.env),
      runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1000', '--batch-size', '137'], c.env),
    ])
    assert.equal(inB.code, 0, inB.stderr)
    assert.equal(inC.code, 0, inC.stderr)
    assert.equal(inC.json.inserted, 1000)
    const [rowsA, rowsB, rowsC] = await Promise.all([voterRows(a), voterRows(b), voterRows(c)])
    assert.deepEqual(rowsB, rowsA)
    assert.deepEqual(rowsC, rowsA)
    const keys = async (t: TestEnv) => (await readTopic(t, topicNames(t.env).voters)).map((r) => `${r.key}\u0000${r.value}`).sort()
    assert.deepEqual(await keys(c), await keys(a), 'the same records on voters_topic')
  })

  it('re-running in the same database inserts nothing and publishes nothing new', async () => {
    const [{code, json, stderr}, human] = await Promise.all([
      runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1000'], a.env),
      ok(a, 'register-voters', '--seed', '7', '--count', '1000', '--batch-size', '300'),
    ])
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 0)
    assert.equal(json.existing, 1000)
    assert.match(human.stderr, /Registered 0 voters \(1000 already there\)/)
    assert.equal(await count(a, 'voters'), 1000)
    assert.equal(await topicSize(a, topicNames(a.env).voters), 1000)
  })

  it('a larger --count registers and publishes only the new voters', async () => {
    const before = await voterRows(c)
    const {code, json, stderr} = await runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1200'], c.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 200)
    assert.equal(json.existing, 1000)
    const after = await voterRows(c)
    assert.equal(after.length, 1200)
    const ids = new Set(after.map((r) => r.voter_id))
    assert.ok(before.every((r) => ids.has(r.voter_id)))
    assert.equal(await topicSize(c, topicNames(c.env).voters), 1200)
  })

  it('a different --seed gives different voters', async () => {
    const {code, json, stderr} = await runJson<RegisterResult>(['register-voters', '--seed', '8', '--count', '50'], b.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 50, 'none of them is a seed-7 voter')
    assert.equal(await count(b, 'voters'), 1050)
  })
})
