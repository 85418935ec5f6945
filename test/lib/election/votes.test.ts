import assert from 'node:assert/strict'

import pg from 'pg'

import {castVotes, type VoteRecord} from '../../../src/lib/election/votes.js'
import {explainStatements, nodesOf, recordingStatements} from '../../helpers/explain.js'
import {freshTables, type Tables} from '../../helpers/services.js'

/** Runs castVotes with every statement explained (run, then rolled back), and returns what Postgres said of each. */
const explainCastVotes = (pool: pg.Pool, ballots: Parameters<typeof castVotes>[1]) =>
  explainStatements(pool, (db) => castVotes(db, ballots))

const ballot = (voter_id: string, candidate_id = 'c1') => ({voter_id, candidate_id, voting_time: new Date(0).toISOString()})

/** castVotes' plan against a real Postgres, in the state a first `vote` run finds its tables in. */
describe('votes: storing a chunk of ballots', () => {
  let tables: Tables | undefined
  let pool: pg.Pool
  before(async () => {
    tables = await freshTables()
    pool = tables.pool
    await pool.query(`INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ('c1', 'C', 'P')`)
    await pool.query(
      `INSERT INTO voters (voter_id, voter_name, address_state, gender, registered_age)
       SELECT 'v' || n, 'n', 'State ' || n % 7, CASE WHEN n % 2 = 0 THEN 'female' ELSE 'male' END, 18 + n % 60
       FROM generate_series(1, 100000) AS n`,
    )
    // As after init-db and a minute of `vote`: many votes, and statistics that never saw them
    // (autoanalyze has not run yet; here it never will).
    await pool.query(`ALTER TABLE votes SET (autovacuum_enabled = false)`)
    await pool.query(
      `INSERT INTO votes (voter_id, candidate_id, voting_time) SELECT 'v' || n, 'c1', now() FROM generate_series(1, 90000) AS n`,
    )
  })
  after(async () => {
    await tables?.drop()
  })

  it('looks the earlier votes up by key, never scanning the votes table, even when its statistics lag behind it', async () => {
    // Half of them voted before (their votes are read back), half are new.
    const plans = (
      await explainCastVotes(
        pool,
        Array.from({length: 1000}, (_, i) => ballot(`v${89501 + i}`)),
      )
    ).map((e) => e.Plan)
    assert.ok(plans.length > 0)
    const scans = plans
      .flatMap(nodesOf)
      .filter((n) => n['Node Type'] === 'Seq Scan' && ['votes', 'voters'].includes(n['Relation Name'] ?? ''))
    assert.deepEqual(
      scans.map((n) => n['Relation Name']),
      [],
      'a whole-table scan per chunk costs more as the tables grow',
    )
  })

  it('reads back only the earlier votes: a voter stored now is not looked up again', async () => {
    // 200 new voters, 200 who voted before.
    const [store] = await explainCastVotes(
      pool,
      Array.from({length: 400}, (_, i) => ballot(`v${89801 + i}`)),
    )
    const votesLookups = nodesOf(store!.Plan)
      .filter((n) => n['Relation Name'] === 'votes' && n['Node Type'].startsWith('Index'))
      .reduce((sum, n) => sum + (n['Actual Loops'] ?? 0), 0)
    assert.equal(votesLookups, 200)
  })

  it('looks each voter up once, and joins the stored votes to those rows by hashing, never reading them once per vote', async () => {
    // 125 new voters, 125 who voted before: the size of a chunk at 5,000 votes/s, where Postgres misjudged the join.
    const [store] = await explainCastVotes(
      pool,
      Array.from({length: 250}, (_, i) => ballot(`v${89876 + i}`)),
    )
    const nodes = nodesOf(store!.Plan)
    const votersLookups = nodes
      .filter((n) => n['Relation Name'] === 'voters' && n['Node Type'].startsWith('Index'))
      .reduce((sum, n) => sum + (n['Actual Loops'] ?? 0), 0)
    assert.equal(votersLookups, 250, 'a second lookup of each voter, for its record, made the statement a quarter longer')
    const rereads = nodes.filter((n) => ['CTE Scan', 'Materialize'].includes(n['Node Type']) && (n['Actual Loops'] ?? 0) > 1)
    assert.deepEqual(
      rereads.map((n) => `${n['Node Type']} x${n['Actual Loops']}`),
      [],
      "a CTE read once per vote makes the statement's time grow with the square of the chunk",
    )
  })

  it('stores and returns one vote for a voter with two ballots in the chunk: the first', async () => {
    await pool.query(`INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ('c2', 'D', 'Q')`)
    const {votes, inserted, refused} = await castVotes(pool, [ballot('v97001', 'c2'), ballot('v97002'), ballot('v97001')])
    assert.deepEqual(votes.map((v) => [v.voter_id, (JSON.parse(v.record) as VoteRecord).candidate_id]).sort(), [
      ['v97001', 'c2'],
      ['v97002', 'c1'],
    ])
    assert.equal(inserted, 2)
    assert.deepEqual(refused, [])
  })

  it('stores new votes in one statement, and a chunk seen again in a second one that returns the votes stored first', async () => {
    const {db: recording, statements} = recordingStatements(pool)
    const first = await castVotes(
      recording,
      ['v97201', 'v97202'].map((id) => ballot(id)),
    )
    assert.equal(first.inserted, 2)
    assert.equal(statements.length, 1, 'new votes: one statement')

    // The same voters again, for another candidate (a chunk seen again after a crash, chosen anew), and a new one.
    const again = await castVotes(
      recording,
      ['v97201', 'v97202', 'v97203'].map((id) => ballot(id, 'c2')),
    )
    assert.equal(statements.length, 3, 'votes stored before: the chunk goes again, skipping them')
    assert.equal(again.inserted, 1)
    const records = new Map(again.votes.map((v) => [v.voter_id, v.record]))
    for (const vote of first.votes) assert.equal(records.get(vote.voter_id), vote.record, 'the vote stored first, byte for byte')
    assert.equal((JSON.parse(records.get('v97203')!) as VoteRecord).candidate_id, 'c2')
  })

  it("refuses a voter's first ballot once, with its own reason, when a second ballot for the voter follows in the chunk", async () => {
    const {votes, refused} = await castVotes(pool, [ballot('v97101', 'no-such-candidate'), ballot('v97101')])
    assert.deepEqual(votes, [])
    assert.deepEqual(refused, [
      {
        voter_id: 'v97101',
        rejection: {category: 'unknown_candidate', reason: 'unknown candidate no-such-candidate: not in the candidates table'},
      },
    ])
  })

  it('stores a vote only when its voter and its candidate are in Postgres, and says why the others were not stored', async () => {
    const {votes, inserted, refused} = await castVotes(pool, [
      ballot('v95001'),
      ballot('v95002', 'no-such-candidate'),
      ballot('no-such-voter'),
      ballot('v1', 'no-such-candidate'), // voted before: its stored vote is read back, the ballot changes nothing
    ])
    assert.deepEqual(
      votes.map((v) => [v.voter_id, (JSON.parse(v.record) as VoteRecord).candidate_id]),
      [
        ['v95001', 'c1'],
        ['v1', 'c1'],
      ],
    )
    assert.equal(inserted, 1)
    assert.deepEqual(refused, [
      {
        voter_id: 'v95002',
        rejection: {category: 'unknown_candidate', reason: 'unknown candidate no-such-candidate: not in the candidates table'},
      },
      {voter_id: 'no-such-voter', rejection: {category: 'unknown_voter', reason: 'unknown voter: not in the voters table'}},
    ])
    const {rows} = await pool.query<{voter_id: string}>(`SELECT voter_id FROM votes WHERE voter_id = ANY($1) ORDER BY 1`, [
      ['v95001', 'v95002', 'no-such-voter'],
    ])
    assert.deepEqual(
      rows.map((r) => r.voter_id),
      ['v95001'],
    )
    // The stored vote keeps the voter's facts that aggregate counts by, as the voter's row has them.
    const facts = `SELECT address_state, gender, registered_age FROM %s WHERE voter_id = 'v95001'`
    const [copied, voter] = await Promise.all([pool.query(facts.replace('%s', 'votes')), pool.query(facts.replace('%s', 'voters'))])
    assert.ok(voter.rows[0]?.address_state && voter.rows[0].gender && voter.rows[0].registered_age !== null, 'the voter has facts')
    assert.deepEqual(copied.rows, voter.rows)
  })

  it("writes each vote's record in the reference's shape, byte for byte as JSON.stringify would", async () => {
    const text = (field: string) => `${field} "q" \\ \n\t\u0001\u001f\u007f Zoë 東京 🗳 \u2028 </x>`
    const voter = {
      voter_id: 'v-awkward',
      voter_name: text('name'),
      date_of_birth: '1961-02-28',
      gender: text('gender'),
      nationality: text('nationality'),
      registration_number: text('registration'),
      email: text('email'),
      phone_number: text('phone'),
      cell_number: text('cell'),
      picture: null,
      registered_age: 65,
    }
    const candidate = {
      candidate_id: 'c-awkward',
      candidate_name: text('candidate'),
      party_affiliation: text('party'),
      biography: text('biography'),
      campaign_platform: text('platform'),
      photo_url: text('photo'),
    }
    const address = {street: text('street'), city: text('city'), state: text('state'), country: text('country'), postcode: text('postcode')}
    await pool.query(
      `INSERT INTO voters (voter_id, voter_name, date_of_birth, gender, nationality, registration_number, address_street, address_city,
         address_state, address_country, address_postcode, email, phone_number, cell_number, picture, registered_age)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [...Object.values(voter).slice(0, 6), ...Object.values(address), ...Object.values(voter).slice(6)],
    )
    await pool.query(`INSERT INTO candidates VALUES ($1, $2, $3, $4, $5, $6)`, Object.values(candidate))
    const {votes} = await castVotes(pool, [ballot('v-awkward', 'c-awkward')])
    // The record as the vote command published it when it built records in Node: voter, candidate, time, address last.
    const expected = {...voter, ...candidate, voting_time: new Date(0).toISOString(), vote: 1, address}
    assert.deepEqual(votes, [{voter_id: 'v-awkward', record: JSON.stringify(expected)}])
  })

  it('runs no trigger per vote (a foreign key check locks the voter and the candidate rows, a third of the work)', async () => {
    const explained = await explainCastVotes(
      pool,
      Array.from({length: 100}, (_, i) => ballot(`v${96001 + i}`)),
    )
    assert.ok(explained.length > 0)
    assert.deepEqual(
      explained.flatMap((e) => e.Triggers ?? []).map((t) => t['Trigger Name']),
      [],
    )
  })
})
