import assert from 'node:assert/strict'

import {topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import type {Candidate} from '../../src/lib/election/candidates.js'
import {allOf, assertCleanError, ok, readTopic, sql} from '../helpers/pipeline.js'
import type {SeedResult} from '../../src/commands/seed-candidates.js'

const candidateRows = (t: TestEnv) =>
  sql<Candidate>(
    t,
    'SELECT candidate_id, candidate_name, party_affiliation, biography, campaign_platform, photo_url FROM candidates ORDER BY candidate_id',
  )

const byId = (a: {candidate_id: string}, b: {candidate_id: string}) => a.candidate_id.localeCompare(b.candidate_id)
const sorted = (candidates: Candidate[]) => [...candidates].sort(byId)

/** A fresh election with tables and topics and no candidates. */
async function initialised(): Promise<TestEnv> {
  const t = await freshEnv()
  await ok(t, 'init-db')
  return t
}

/** Runs seed-candidates with the defaults and expects it to succeed. */
async function seedDefaults(t: TestEnv): Promise<SeedResult> {
  const {code, json, stderr} = await runJson<SeedResult>(['seed-candidates'], t.env)
  assert.equal(code, 0, stderr)
  return json
}

describe('election seed-candidates', () => {
  // Each test has an election of its own, so none depends on what another one did.
  let envs: Record<'bad' | 'fresh' | 'again' | 'more' | 'names' | 'seeds', TestEnv>
  before(async () => {
    const [bad, fresh, again, more, names, seeds] = await Promise.all(Array.from({length: 6}, initialised))
    envs = {bad: bad!, fresh: fresh!, again: again!, more: more!, names: names!, seeds: seeds!}
  })
  after(async () => Promise.all(Object.values(envs ?? {}).map((t) => t.drop())))

  it('refuses bad input with one clear line and writes nothing', async () => {
    const t = envs.bad
    const [empty, long, unknown, locale, count] = await Promise.all([
      runCli(['seed-candidates', '--parties', ' , '], t.env),
      // Longer than candidates.party_affiliation VARCHAR(255): used to be Postgres' own error, exit 1.
      runCli(['seed-candidates', '--parties', `Green Party,${'P'.repeat(300)}`], t.env),
      runCli(['seed-candidates', '--bogus'], t.env),
      runCli(['seed-candidates', '--locale', 'xx_YY'], t.env),
      runCli(['seed-candidates', '--count', '101'], t.env),
    ])
    assert.deepEqual(await candidateRows(t), [])
    assert.deepEqual(await readTopic(t, topicNames(t.env).candidates), [])
    allOf([
      ['seed-candidates --parties " , "', () => assertCleanError(empty, 2, /--parties/)],
      ['seed-candidates --parties <300 characters>', () => assertCleanError(long, 2, /--parties/, /300 characters/, /255/)],
      ['seed-candidates --bogus', () => assertCleanError(unknown, 2, /--bogus/)],
      ['seed-candidates --locale xx_YY', () => assertCleanError(locale, 2, /xx_YY/)],
      ['seed-candidates --count 101', () => assertCleanError(count, 2, /--count/, /101/)],
    ])
  })

  it('inserts three candidates of the default parties into Postgres and candidates_topic', async () => {
    const t = envs.fresh
    const json = await seedDefaults(t)
    assert.equal(json.inserted, 3)
    assert.equal(json.existing, 0)
    assert.equal(json.candidates.length, 3)
    assert.deepEqual(
      json.candidates.map((c) => c.party_affiliation),
      ['Management Party', 'Savior Party', 'Tech Republic Party'],
    )
    for (const c of json.candidates) {
      assert.deepEqual(Object.keys(c).sort(), [
        'biography',
        'campaign_platform',
        'candidate_id',
        'candidate_name',
        'party_affiliation',
        'photo_url',
      ])
      assert.match(c.candidate_id, /^[0-9a-f-]{36}$/)
      assert.ok(c.candidate_name.length > 0)
      assert.match(c.photo_url, /^https:\/\//)
    }
    assert.deepEqual(await candidateRows(t), sorted(json.candidates))
    const records = await readTopic(t, topicNames(t.env).candidates)
    assert.equal(records.length, 3)
    for (const r of records) assert.equal(r.key, (JSON.parse(r.value!) as Candidate).candidate_id, 'keyed by candidate_id')
    assert.deepEqual(sorted(records.map((r) => JSON.parse(r.value!) as Candidate)), sorted(json.candidates))
  })

  it('is deterministic and re-running inserts and publishes nothing', async () => {
    const t = envs.again
    const first = await seedDefaults(t)
    const [{code, json, stderr}, human] = await Promise.all([runJson<SeedResult>(['seed-candidates'], t.env), ok(t, 'seed-candidates')])
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 0)
    assert.equal(json.existing, 3)
    assert.deepEqual(json.candidates, first.candidates)
    assert.match(human.stderr, /nothing changed/i)
    assert.deepEqual(await candidateRows(t), sorted(first.candidates))
    assert.equal((await readTopic(t, topicNames(t.env).candidates)).length, 3)
  })

  it('a larger --count adds only the candidates not there yet', async () => {
    const t = envs.more
    const first = await seedDefaults(t)
    const {code, json, stderr} = await runJson<SeedResult>(['seed-candidates', '--count', '5'], t.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(json.candidates.slice(0, 3), first.candidates, 'the first three are the same candidates')
    assert.equal(json.inserted, 2)
    assert.equal(json.existing, 3)
    assert.equal((await candidateRows(t)).length, 5)
    assert.equal((await readTopic(t, topicNames(t.env).candidates)).length, 5)
  })

  it('keeps quotes, accents and emoji in names exactly, in Postgres and on candidates_topic', async () => {
    const t = envs.names
    const parties = ["O'Brien Party", 'Zoë ✨ Party']
    const {code, json, stderr} = await runJson<SeedResult>(
      ['seed-candidates', '--count', '4', '--parties', parties.join(','), '--seed', '7'],
      t.env,
    )
    assert.equal(code, 0, stderr)
    assert.equal(json.inserted, 4)
    assert.deepEqual(
      json.candidates.map((c) => c.party_affiliation),
      [parties[0], parties[1], parties[0], parties[1]],
    )
    const ids = json.candidates.map((c) => c.candidate_id)
    const rows = (await candidateRows(t)).filter((r) => ids.includes(r.candidate_id))
    assert.deepEqual(rows, sorted(json.candidates))
    assert.deepEqual(
      (
        await sql<{party_affiliation: string}>(
          t,
          'SELECT DISTINCT party_affiliation FROM candidates WHERE candidate_id = ANY($1) ORDER BY 1',
          [ids],
        )
      ).map((r) => r.party_affiliation),
      [...parties].sort(),
    )
    // Byte for byte: the accented e and the emoji are stored as given.
    const bytes = await sql<{n: number}>(
      t,
      `SELECT octet_length(party_affiliation) AS n FROM candidates WHERE party_affiliation LIKE 'Zo%' LIMIT 1`,
    )
    assert.equal(bytes[0]!.n, Buffer.byteLength(parties[1]!))
    const records = (await readTopic(t, topicNames(t.env).candidates))
      .map((r) => JSON.parse(r.value!) as Candidate)
      .filter((r) => ids.includes(r.candidate_id))
    assert.deepEqual(sorted(records), sorted(json.candidates))
    assert.deepEqual([...new Set(records.map((r) => r.party_affiliation))].sort(), [...parties].sort())
  })

  it('a different --seed gives different candidates', async () => {
    const t = envs.seeds
    const args = ['seed-candidates', '--count', '4', '--parties', "O'Brien Party,Zoë ✨ Party", '--seed']
    const seven = await runJson<SeedResult>([...args, '7'], t.env)
    const eight = await runJson<SeedResult>([...args, '8'], t.env)
    assert.equal(seven.json.inserted, 4, seven.stderr)
    assert.equal(eight.json.inserted, 4, "none of seed 8's candidates is one of seed 7's")
    const ids = new Set(seven.json.candidates.map((c) => c.candidate_id))
    assert.ok(eight.json.candidates.every((c) => !ids.has(c.candidate_id)))
  })
})
