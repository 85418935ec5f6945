import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {startCli, waitFor, type CliResult} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

interface AggregateStats {
  consumed: number
  counted: number
  duplicates: number
  deadLettered: number
  published: number
  seconds: number
  votesPerSecond: number
  latencyMs: {count: number; p50: number; p99: number; max: number}
  stopReason: string | null
}

interface VerifyResult {
  ok: boolean
  votes: number
  differences: unknown[]
}

interface KafkaRecord {
  key: string | null
  value: string | null
  headers: Record<string, string>
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

/** Every committed (read_committed) record of a topic, read from the beginning to its end. */
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
              records.push({key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers})
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

/**
 * Runs the built CLI like runCli, but a run that outlives `limitMs` (a consumer that never
 * goes idle) is stopped with SIGTERM, then SIGKILL, and fails the test with its output.
 */
async function cli(args: string[], env: NodeJS.ProcessEnv, limitMs = 60_000): Promise<CliResult> {
  const child = startCli(args, env)
  const done = waitFor(child)
  let hung = false
  const term = setTimeout(() => {
    hung = true
    child.kill('SIGTERM')
  }, limitMs)
  const kill = setTimeout(() => child.kill('SIGKILL'), limitMs + 10_000)
  const result = await done
  clearTimeout(term)
  clearTimeout(kill)
  if (hung) {
    throw new Error(`election ${args.join(' ')} did not finish within ${limitMs / 1000} s (stopped: exit ${result.code}, signal ${result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  }
  return result
}

async function cliJson<T>(args: string[], env: NodeJS.ProcessEnv, limitMs?: number): Promise<{code: number | null; json: T; stderr: string}> {
  const result = await cli([...args, '--json'], env, limitMs)
  try {
    return {code: result.code, json: JSON.parse(result.stdout) as T, stderr: result.stderr}
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}

async function ok(t: TestEnv, ...args: string[]): Promise<CliResult> {
  const result = await cli(args, t.env)
  assert.equal(result.code, 0, `election ${args.join(' ')} exited ${result.code}:\n${result.stderr}`)
  return result
}

/** init-db, seed-candidates, register-voters and vote (default seeds). */
async function election(t: TestEnv, voters: number): Promise<void> {
  await ok(t, 'init-db')
  await Promise.all([ok(t, 'seed-candidates'), ok(t, 'register-voters', '--count', String(voters))])
  await ok(t, 'vote', '--exit-when-idle', '2s')
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

/** Both elections of this file, prepared at once the first time one is needed. */
let prepared: Promise<[TestEnv, TestEnv]> | undefined
function elections() {
  prepared ??= (async () => {
    const envs = await Promise.all([freshEnv(), freshEnv()])
    await Promise.all([election(envs[0], 300), election(envs[1], 50)])
    return envs
  })()
  return prepared
}

describe('election aggregate', () => {
  let t: TestEnv
  before(async () => {
    ;[t] = await elections()
  })
  after(async () => t?.drop())

  it('refuses a bad --publish-interval with one clear line, counting nothing', async () => {
    const result = await cli(['aggregate', '--publish-interval', '0ms'], t.env)
    assertCleanError(result, 2, /publish-interval|duration/, /0ms/)
    assert.equal(await count(t, 'aggregator_counted_votes'), 0)
  })

  it('counts every vote once, exits 0 when idle, and the aggregates verify', async () => {
    const {code, json, stderr} = await cliJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), ['consumed', 'counted', 'deadLettered', 'duplicates', 'latencyMs', 'published', 'seconds', 'stopReason', 'votesPerSecond'])
    const votes = await count(t, 'votes')
    assert.equal(votes, 300)
    assert.equal(json.counted, votes)
    assert.equal(json.consumed, votes)
    assert.equal(json.duplicates, 0)
    assert.equal(json.deadLettered, 0)
    assert.equal(json.stopReason, 'idle')
    assert.ok(json.published > 0, 'published totals')
    assert.equal(json.latencyMs.count, votes)
    assert.equal(await count(t, 'aggregator_counted_votes'), votes)
    const verify = await cliJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
    // The candidate totals on the compacted topic add up to the votes.
    const latest = new Map<string, number>()
    for (const r of await readTopic(t, topicNames(t.env).aggregates.candidate)) latest.set(r.key!, (JSON.parse(r.value!) as {total_votes: number}).total_votes)
    assert.equal(latest.size, 3)
    assert.equal([...latest.values()].reduce((a, b) => a + b, 0), votes)
    // The latency summary is consistent: 0 < p50 <= p99 <= max.
    const {p50, p99, max} = json.latencyMs
    assert.ok(p50 > 0 && p50 <= p99 && p99 <= max, `latency summary p50 ${p50}, p99 ${p99}, max ${max}: p99 must not exceed max`)
  })

  it('a second run counts nothing again', async () => {
    const {code, json, stderr} = await cliJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.counted, 0)
    assert.equal(await count(t, 'aggregator_counted_votes'), 300)
    const verify = await cliJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
  })
})

describe('election aggregate: malformed records on votes_topic', () => {
  let t: TestEnv
  const bad: Array<{key: string; value: string}> = []
  before(async () => {
    ;[, t] = await elections()
    const [sample] = await readTopic(t, topicNames(t.env).votes)
    const vote = JSON.parse(sample!.value!) as Record<string, unknown>
    const stranger = randomUUID()
    bad.push(
      {key: 'not-json', value: '{"voter_id": "broken'},
      {key: 'missing-fields', value: JSON.stringify({voter_id: 'missing-fields', candidate_id: vote.candidate_id})},
      // A well-formed vote for a candidate nobody seeded (and a voter nobody registered).
      {key: stranger, value: JSON.stringify({...vote, voter_id: stranger, candidate_id: randomUUID(), candidate_name: 'Nobody'})},
    )
    const producer = createKafka(t.settings.kafka).producer()
    await producer.connect()
    await producer.send({topic: topicNames(t.env).votes, acks: -1, messages: bad})
    await producer.disconnect()
  })
  after(async () => t?.drop())

  it('dead-letters them with a reason, counts every real vote, and verify still passes', async () => {
    const {code, json, stderr} = await cliJson<AggregateStats>(['aggregate', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.counted, 50)
    assert.equal(json.deadLettered, 3)
    const dead = await readTopic(t, topicNames(t.env).deadLetter)
    assert.equal(dead.length, 3)
    assert.deepEqual(dead.map((r) => r.value).sort(), bad.map((b) => b.value).sort(), 'the records as they came')
    for (const r of dead) {
      assert.ok(r.headers.reason && r.headers.reason.length > 3, `reason header: ${JSON.stringify(r.headers)}`)
      assert.equal(r.headers.source_topic, topicNames(t.env).votes)
    }
    const reason = (value: string) => dead.find((r) => r.value === value)!.headers.reason!
    assert.match(reason(bad[0]!.value), /JSON/i)
    assert.match(reason(bad[1]!.value), /field|missing|required/i)
    assert.match(reason(bad[2]!.value), /candidate/i)
    const verify = await cliJson<VerifyResult>(['verify'], t.env)
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.ok, true, JSON.stringify(verify.json.differences))
    assert.equal(verify.json.votes, 50)
  })
})
