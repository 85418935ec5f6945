import assert from 'node:assert/strict'

import pg from 'pg'

import {countVotes, type ClaimOutcome, type VoteClaim} from '../../../src/lib/aggregate/store.js'
import {failureKind} from '../../../src/lib/db/failures.js'
import {isoTimeSql} from '../../../src/lib/election/fields.js'
import {AGE_BANDS, ageBand} from '../../../src/lib/election/age.js'
import {locationCandidateKey, type Dimension} from '../../../src/lib/election/totals.js'
import {explainStatements, nodesOf, recordingStatements} from '../../helpers/explain.js'
import {freshTables, type Tables} from '../../helpers/services.js'

interface Voter {
  voter_id: string
  state: string | null
  gender: string
  age: number
  /** The stored vote, if any. */
  candidate_id?: string
  voting_time?: string
}

const PARTY: Record<string, string> = {c1: 'Green Party', c2: 'Blue Party'}

/** A voter at each edge of every age band, in regions whose names are awkward for keys. */
function electorate(): Voter[] {
  const ages = AGE_BANDS.flatMap((band) => (band.endsWith('+') ? [Number(band.slice(0, -1)), 150] : band.split('-').map(Number)))
  return ages.map((age, n) => ({
    voter_id: `v${n}`,
    state: ['Kent', 'North|South', 'Île-de-France'][n % 3]!,
    gender: n % 2 ? 'female' : 'male',
    age,
    candidate_id: n % 4 ? 'c1' : 'c2',
    voting_time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  }))
}

/** What the totals must be, worked out here from the voters' facts (the keys of every dimension). */
function expectedTotals(voters: Voter[]): Map<string, {total: number; last: string}> {
  const totals = new Map<string, {total: number; last: string}>()
  for (const v of voters) {
    const keys: Array<[Dimension, string]> = [
      ['candidate', v.candidate_id!],
      ['location', v.state!],
      ['gender', v.gender],
      ['age', ageBand(v.age)],
      ['party', PARTY[v.candidate_id!]!],
      ['location_candidate', locationCandidateKey(v.state!, v.candidate_id!)],
    ]
    for (const [dimension, key] of keys) {
      const entry = totals.get(`${dimension}/${key}`) ?? {total: 0, last: ''}
      totals.set(`${dimension}/${key}`, {total: entry.total + 1, last: v.voting_time! > entry.last ? v.voting_time! : entry.last})
    }
  }
  return totals
}

/** countVotes against a real Postgres: what counts, what is refused and why, and the totals it leaves. */
describe('aggregate: counting claims in Postgres', () => {
  let tables: Tables | undefined
  let pool: pg.Pool
  const voters = electorate()

  const totals = async () => {
    const {rows} = await pool.query<{dimension: string; key: string; total: string; last: string}>(
      `SELECT dimension, key, total, ${isoTimeSql('last_voting_time')} AS last FROM aggregator_totals`,
    )
    return new Map(rows.map((r) => [`${r.dimension}/${r.key}`, {total: Number(r.total), last: r.last}]))
  }
  // Every other vote is stored as `vote` stores it now, with a copy of the voter's facts; the others
  // as an older version stored them, without: both must count by the same facts.
  const addVoters = async (list: Voter[]) => {
    for (const [n, v] of list.entries()) {
      await pool.query(`INSERT INTO voters (voter_id, voter_name, gender, address_state, registered_age) VALUES ($1, 'n', $2, $3, $4)`, [
        v.voter_id,
        v.gender,
        v.state,
        v.age,
      ])
      if (v.candidate_id && n % 2)
        await pool.query(`INSERT INTO votes (voter_id, candidate_id, voting_time) VALUES ($1, $2, $3)`, [
          v.voter_id,
          v.candidate_id,
          v.voting_time,
        ])
      else if (v.candidate_id)
        await pool.query(
          `INSERT INTO votes (voter_id, candidate_id, voting_time, address_state, gender, registered_age) VALUES ($1, $2, $3, $4, $5, $6)`,
          [v.voter_id, v.candidate_id, v.voting_time, v.state, v.gender, v.age],
        )
    }
  }
  const claimOf = (v: Voter): VoteClaim => ({voter_id: v.voter_id, candidate_id: v.candidate_id!})

  before(async () => {
    tables = await freshTables()
    pool = tables.pool
    for (const [id, party] of Object.entries(PARTY))
      await pool.query(`INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ($1, $1, $2)`, [id, party])
    await addVoters([...voters, {voter_id: 'no-vote', state: 'Kent', gender: 'male', age: 30}])
  })
  after(async () => {
    await tables?.drop()
  })

  it("counts each stored vote once, by Postgres' facts, refuses the rest with their reasons, and names the totals it changed", async () => {
    const forged = {voter_id: voters[1]!.voter_id, candidate_id: 'c2'} // the stored vote is for c1
    const claims: VoteClaim[] = [
      forged, // before the real vote of the same voter, in the same batch
      ...voters.map(claimOf),
      claimOf(voters[0]!), // the same vote twice in one batch
      forged, // and after it
      {voter_id: 'stranger', candidate_id: 'c1'},
      {voter_id: voters[2]!.voter_id, candidate_id: 'nobody'},
      {voter_id: 'no-vote', candidate_id: 'c1'},
    ]
    const {outcomes, changed} = await countVotes(pool, claims)

    const kinds = (o: ClaimOutcome) => (o.kind === 'refused' ? o.category : o.kind)
    assert.deepEqual(outcomes.map(kinds), [
      'candidate_mismatch',
      ...voters.map(() => 'counted'),
      'duplicate',
      'candidate_mismatch',
      'unknown_voter',
      'unknown_candidate',
      'no_stored_vote',
    ])
    const expected = expectedTotals(voters)
    assert.deepEqual(await totals(), expected)
    assert.deepEqual(changed.map(([dimension, key]) => `${dimension}/${key}`).sort(), [...expected.keys()].sort())
  })

  it('counts nothing again for a batch seen again, and changes no total', async () => {
    const before = await totals()
    const {outcomes, changed} = await countVotes(pool, voters.map(claimOf))
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      voters.map(() => 'duplicate'),
    )
    assert.deepEqual(changed, [])
    assert.deepEqual(await totals(), before)
  })

  it('counts each vote once when two aggregators count overlapping batches at the same moment', async () => {
    const more: Voter[] = Array.from({length: 400}, (_, n) => ({
      voter_id: `w${n}`,
      state: ['Kent', 'Fife'][n % 2]!,
      gender: 'female',
      age: 18 + (n % 70),
      candidate_id: n % 3 ? 'c1' : 'c2',
      voting_time: new Date(Date.UTC(2026, 0, 2, 0, 0, n % 60)).toISOString(),
    }))
    await addVoters(more)
    const claims = more.map(claimOf)
    // Reversed and overlapping: each waits on rows the other inserted first, in both tables.
    const results = await Promise.all([
      countVotes(pool, claims.slice(0, 300)),
      countVotes(pool, claims.slice(100).reverse()),
      countVotes(pool, claims),
    ])
    const counted = results.flatMap((r) => r.outcomes).filter((o) => o.kind === 'counted').length
    assert.equal(counted, more.length)
    assert.deepEqual(await totals(), expectedTotals([...voters, ...more]))
  })

  it('is atomic: a claim Postgres refuses for its data counts nothing of its batch', async () => {
    const before = await totals()
    const nowhere: Voter = {
      voter_id: 'nowhere',
      state: null,
      gender: 'male',
      age: 40,
      candidate_id: 'c1',
      voting_time: '2026-01-03T00:00:00.000Z',
    }
    const fine: Voter = {
      voter_id: 'fine',
      state: 'Kent',
      gender: 'male',
      age: 40,
      candidate_id: 'c1',
      voting_time: '2026-01-03T00:00:00.000Z',
    }
    await addVoters([fine, nowhere])
    // A stored voter without a region has no region key: the totals refuse the NULL key.
    const error = await countVotes(pool, [claimOf(fine), claimOf(nowhere)]).then(
      () => assert.fail('counted a vote with no region'),
      (e: unknown) => e,
    )
    assert.equal(failureKind(error), 'data')
    assert.deepEqual(await totals(), before)
    const {rows} = await pool.query(`SELECT voter_id FROM aggregator_counted_votes WHERE voter_id IN ('fine', 'nowhere')`)
    assert.deepEqual(rows, [], 'no vote of the refused batch is marked counted')
    const {outcomes} = await countVotes(pool, [claimOf(fine)])
    assert.deepEqual(outcomes, [{kind: 'counted'}])
  })

  it('counts new votes in one statement, and a batch that holds votes counted before in a second one, counting only the new', async () => {
    const mixed: Voter[] = Array.from({length: 10}, (_, n) => ({
      voter_id: `m${n}`,
      state: 'Kent',
      gender: 'male',
      age: 30,
      candidate_id: 'c1',
      voting_time: '2026-01-04T00:00:00.000Z',
    }))
    await addVoters(mixed)
    const {db: recording, statements} = recordingStatements(pool)
    const candidateTotal = async () => (await totals()).get('candidate/c1')!.total
    const before = await candidateTotal()

    const first = await countVotes(recording, mixed.slice(0, 5).map(claimOf))
    assert.deepEqual(
      first.outcomes.map((o) => o.kind),
      Array(5).fill('counted'),
    )
    assert.equal(statements.length, 1, 'new votes: one statement')

    const again = await countVotes(recording, mixed.map(claimOf))
    assert.deepEqual(
      again.outcomes.map((o) => o.kind),
      [...Array(5).fill('duplicate'), ...Array(5).fill('counted')],
    )
    assert.equal(statements.length, 3, 'votes counted before: the batch goes again, skipping them')
    assert.notEqual(statements[2], statements[1])
    assert.equal(await candidateTotal(), before + 10)
  })
})

/** countVotes' plan against a real Postgres, at the batch sizes a live aggregator counts (a chunk of `vote --rate`). */
describe('aggregate: the plan of the counting statement', () => {
  let tables: Tables | undefined
  before(async () => {
    tables = await freshTables()
    await tables.pool.query(`INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ('c1', 'C', 'P')`)
    await tables.pool.query(
      `INSERT INTO voters (voter_id, voter_name, gender, address_state, registered_age)
       SELECT 'v' || n, 'n', 'female', 'Kent', 30 FROM generate_series(1, 1000) AS n`,
    )
    // v1-v500 stored as `vote` stores them now, with the voter's facts; v501-v1000 without (an older version).
    await tables.pool.query(
      `INSERT INTO votes (voter_id, candidate_id, voting_time, address_state, gender, registered_age)
       SELECT 'v' || n, 'c1', now(), 'Kent', 'female', 30 FROM generate_series(1, 500) AS n`,
    )
    await tables.pool.query(
      `INSERT INTO votes (voter_id, candidate_id, voting_time) SELECT 'v' || n, 'c1', now() FROM generate_series(501, 1000) AS n`,
    )
  })
  after(async () => {
    await tables?.drop()
  })

  it('reads no CTE once per claim: matching claims to the votes counted now grows with the batch, not its square', async () => {
    // Postgres cannot estimate the rows of a CTE's filter on two of its columns (it guessed 1 of 250):
    // with that guess it matched every claim against every vote counted now, 7 of 13 ms for 250 claims.
    for (const size of [10, 100, 250, 1000]) {
      const claims = Array.from({length: size}, (_, n) => ({voter_id: `v${n + 1}`, candidate_id: 'c1'}))
      const [count] = await explainStatements(tables!.pool, (db) => countVotes(db, claims))
      const rescanned = nodesOf(count!.Plan)
        .filter((n) => n['Node Type'] === 'CTE Scan' && (n['Actual Loops'] ?? 0) > 1)
        .map((n) => `${n['CTE Name']} read ${n['Actual Loops']} times`)
      assert.deepEqual(rescanned, [], `a batch of ${size}`)
    }
  })

  it("reads a voter's row only for a claim whose stored vote has no copy of the voter's facts, or no vote", async () => {
    const claims = [
      ...Array.from({length: 100}, (_, n) => ({voter_id: `v${n + 1}`, candidate_id: 'c1'})), // with the copy
      ...Array.from({length: 30}, (_, n) => ({voter_id: `v${n + 501}`, candidate_id: 'c1'})), // without
      {voter_id: 'stranger', candidate_id: 'c1'}, // no vote
    ]
    const [count] = await explainStatements(tables!.pool, (db) => countVotes(db, claims))
    const voterReads = nodesOf(count!.Plan)
      .filter((n) => n['Relation Name'] === 'voters')
      .reduce((sum, n) => sum + (n['Actual Loops'] ?? 0), 0)
    assert.equal(voterReads, 31)
  })
})
