import assert from 'node:assert/strict'

import {topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import {allOf, assertCleanError, count, ok, readTopic, sql, topicSize} from '../helpers/pipeline.js'
import type {RegisterResult} from '../../src/commands/register-voters.js'

/** Every voter row, all columns, dates as text, in voter_id order. */
const voterRows = (t: TestEnv) => sql(t, `SELECT *, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM voters ORDER BY voter_id`)

/** A voter row in the voters_topic record shape (nested address). */
function asRecord(row: Record<string, unknown>) {
  return {
    voter_id: row.voter_id,
    voter_name: row.voter_name,
    date_of_birth: row.date_of_birth,
    gender: row.gender,
    nationality: row.nationality,
    registration_number: row.registration_number,
    address: {
      street: row.address_street,
      city: row.address_city,
      state: row.address_state,
      country: row.address_country,
      postcode: row.address_postcode,
    },
    email: row.email,
    phone_number: row.phone_number,
    cell_number: row.cell_number,
    picture: row.picture,
    registered_age: row.registered_age,
  }
}

/** A fresh election with tables and topics and no voters. */
async function initialised(): Promise<TestEnv> {
  const t = await freshEnv()
  await ok(t, 'init-db')
  return t
}

/** The 1000 seed-7 voters every test below compares with. */
const register1000 = (t: TestEnv) => runJson<RegisterResult>(['register-voters', '--seed', '7', '--count', '1000'], t.env)

describe('election register-voters', () => {
  // a: the 1000 seed-7 voters, registered here with the default batch size; b: the same in another
  // database; c: another batch size; bad, grow, seeds: one test each, so none depends on another.
  let a: TestEnv
  let b: TestEnv
  let c: TestEnv
  let bad: TestEnv
  let grow: TestEnv
  let seeds: TestEnv
  let first: Awaited<ReturnType<typeof register1000>>
  before(async () => {
    ;[a, b, c, bad, grow, seeds] = await Promise.all([
      initialised(),
      initialised(),
      initialised(),
      initialised(),
      initialised(),
      initialised(),
    ])
    first = await register1000(a)
  })
  after(async () => Promise.all([a, b, c, bad, grow, seeds].map((t) => t?.drop())))

  it('refuses --count 0 and other bad input with one clear line, writing nothing', async () => {
    const a = bad
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
    const {code, json, stderr} = first
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
    assert.equal(first.json.inserted, 1000, 'the first run registered them')
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

  it('a larger --count registers and publishes only the new voters, from a batch that holds both too', async () => {
    const c = grow
    assert.equal((await register1000(c)).code, 0)
    const before = await voterRows(c)
    // One batch of 1,000 voters there and 200 new: its COPY fails, and it goes again skipping the 1,000.
    const {code, json, stderr} = await runJson<RegisterResult>(
      ['register-voters', '--seed', '7', '--count', '1200', '--batch-size', '1200'],
      c.env,
    )
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
    const b = seeds
    assert.equal((await register1000(b)).code, 0)
    const {code, json, stderr} = await runJson<RegisterResult>(['register-voters', '--seed', '8', '--count', '50'], b.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 50, 'none of them is a seed-7 voter')
    assert.equal(await count(b, 'voters'), 1050)
  })
})
