import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'

import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import {startCli, waitFor, type CliResult} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

type Dimension = 'candidate' | 'location' | 'gender' | 'age' | 'party'

interface Difference {
  dimension: Dimension
  key: string
  expected: number
  published: number
}

interface VerifyResult {
  ok: boolean
  votes: number
  publishedCandidateTotal: number
  dimensions: Record<Dimension, {keys: number; expectedTotal: number; publishedTotal: number}>
  differences: Difference[]
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

describe('election verify', () => {
  let t: TestEnv
  let empty: TestEnv
  before(async () => {
    ;[t, empty] = await Promise.all([freshEnv(), freshEnv()])
    await Promise.all([election(t, 200).then(() => ok(t, 'aggregate', '--exit-when-idle', '2s')), ok(empty, 'init-db')])
  })
  after(async () => Promise.all([t?.drop(), empty?.drop()]))

  it('an empty election verifies', async () => {
    const {code, json, stderr} = await cliJson<VerifyResult>(['verify'], empty.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.ok, true)
    assert.equal(json.votes, 0)
    assert.deepEqual(json.differences, [])
  })

  it('--json: exit 0, ok, and every dimension adds up to the votes', async () => {
    const {code, json, stderr} = await cliJson<VerifyResult>(['verify'], t.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), ['differences', 'dimensions', 'ok', 'publishedCandidateTotal', 'votes'])
    assert.equal(json.ok, true, JSON.stringify(json.differences))
    assert.equal(json.votes, 200)
    assert.equal(json.publishedCandidateTotal, 200)
    assert.deepEqual(json.differences, [])
    assert.deepEqual(Object.keys(json.dimensions).sort(), ['age', 'candidate', 'gender', 'location', 'party'])
    for (const [dimension, d] of Object.entries(json.dimensions)) {
      assert.equal(d.expectedTotal, 200, dimension)
      assert.equal(d.publishedTotal, 200, dimension)
      assert.ok(d.keys > 0, dimension)
    }
    assert.equal(json.dimensions.candidate.keys, 3)
    assert.equal(json.dimensions.party.keys, 3)
  })

  it('without --json: a table on stdout and OK on stderr', async () => {
    const result = await ok(t, 'verify')
    for (const dimension of ['candidate', 'location', 'gender', 'age', 'party']) assert.match(result.stdout, new RegExp(dimension))
    assert.match(result.stderr, /OK: 200 votes/)
  })

  it('fails with exit 1 and lists the differences when Postgres changes behind the aggregates', async () => {
    const [candidate] = await sql<{candidate_id: string; party_affiliation: string}>(t, 'SELECT candidate_id, party_affiliation FROM candidates ORDER BY candidate_id LIMIT 1')
    const before = (await sql<{n: number}>(t, 'SELECT count(*)::int AS n FROM votes WHERE candidate_id = $1', [candidate!.candidate_id]))[0]!.n
    const voter = randomUUID()
    await sql(t, `INSERT INTO voters (voter_id, voter_name, date_of_birth, gender, address_state, registered_age) VALUES ($1, 'Late Voter', '1990-01-01', 'nonbinary', 'Testshire', 36)`, [voter])
    await sql(t, `INSERT INTO votes (voter_id, candidate_id, voting_time, vote) VALUES ($1, $2, now(), 1)`, [voter, candidate!.candidate_id])

    const [{code, json}, human] = await Promise.all([cliJson<VerifyResult>(['verify'], t.env), cli(['verify'], t.env)])
    assert.equal(code, 1)
    assert.equal(json.ok, false)
    assert.equal(json.votes, 201)
    const find = (dimension: Dimension, key: string) => json.differences.find((d) => d.dimension === dimension && d.key === key)
    assert.deepEqual(find('candidate', candidate!.candidate_id), {dimension: 'candidate', key: candidate!.candidate_id, expected: before + 1, published: before})
    assert.deepEqual(find('location', 'Testshire'), {dimension: 'location', key: 'Testshire', expected: 1, published: 0})
    assert.deepEqual(find('gender', 'nonbinary'), {dimension: 'gender', key: 'nonbinary', expected: 1, published: 0})
    assert.ok(find('party', candidate!.party_affiliation), 'the party total differs')
    assert.ok(find('age', '35-44'), 'the age band total differs')

    assert.equal(human.code, 1, human.stderr)
    assert.match(human.stderr, /aggregate values differ/)
    assert.match(human.stdout, /Testshire/)
    assert.doesNotMatch(human.stderr, /\n\s+at /, 'no stack trace')
  })
})
