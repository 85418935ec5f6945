import {z} from 'zod'

import {newRowsStatement, queryNewRows} from '../db/new-rows.js'
import type {Queryable} from '../db/pool.js'
import type {Rejection} from '../kafka/messages.js'
import {CANDIDATE_COLUMNS, type Candidate} from './candidates.js'
import {unknownCandidate, unknownVoter} from './rejections.js'
import {age, column, id, isoTimeSql} from './fields.js'
import {ADDRESS_SELECT, VOTER_FIELDS_SELECT, type Voter} from './voters.js'

/** A vote to cast: this voter chose this candidate at this time. */
export interface Ballot {
  voter_id: string
  candidate_id: string
  voting_time: string
}

/**
 * A votes_topic record (the reference's shape): the voter, address nested, merged with the
 * candidate, plus voting_time and vote: 1. Built from Postgres' stored vote, never from the ballot.
 */
export type VoteRecord = Omit<Voter, 'address'> & Candidate & {voting_time: string; vote: number; address: Voter['address']}

/**
 * What `aggregate` checks of a votes_topic record: the claim it counts (voter and candidate)
 * and the fields it must be able to read, against the tables' constraints. Field order is
 * the order problems are reported in.
 */
export const voteSchema = z.object({
  voter_id: id,
  candidate_id: id,
  gender: column,
  registered_age: age,
  voting_time: z.iso.datetime({offset: true}),
  vote: z.literal(1),
  address: z.object({state: column}),
}) satisfies z.ZodType<Partial<Omit<VoteRecord, 'address'>> & {address: Partial<Voter['address']>}>

/** A vote as Postgres holds it: its voter, and its votes_topic record (a VoteRecord's JSON), written by Postgres. */
export interface StoredVote {
  voter_id: string
  record: string
}

/**
 * The record of each stored vote `vo`, whose voter `v` the caller joins in `from` (see castVotes), with its
 * candidate. Postgres writes the record's JSON (row_to_json: compact, escaped as JSON.stringify escapes):
 * built in Node, each vote was parsed from a row of 21 columns, copied, nested and serialised again,
 * and `vote` spent 5.2-5.6 s of CPU on 150,000 votes, against 3.5-3.9 s now (bench/README.md, "The
 * votes_topic record from Postgres"). The candidate is looked up by key for each vote: Postgres cannot
 * estimate a join of the votes to the candidates (it guessed 6 of 375), and planned the rest for that.
 */
const recordsOf = (from: string, extraColumns = '') => `SELECT vo.voter_id, row_to_json(r)::text AS record${extraColumns}
  FROM ${from}
  CROSS JOIN LATERAL (SELECT * FROM candidates x WHERE x.candidate_id = vo.candidate_id LIMIT 1) c
  CROSS JOIN LATERAL (
    SELECT ${VOTER_FIELDS_SELECT}, ${CANDIDATE_COLUMNS.map((c) => `c.${c}`).join(', ')},
           ${isoTimeSql('vo.voting_time')} AS voting_time, vo.vote, ${ADDRESS_SELECT}
  ) r`

/** A ballot castVotes did not store, and why: its voter or its candidate is not in Postgres. */
export interface RefusedBallot {
  voter_id: string
  rejection: Rejection
}

/** castVotes' statement (see there). */
const CAST = newRowsStatement(
  'votes',
  'voter_id',
  (onConflict) =>
    `WITH registered AS MATERIALIZED (
       -- candidate_known a column, not a condition on the insert below: Postgres guesses that 4 of 250
       -- ballots name a known candidate, and joined the stored votes to the voters with a nested loop
       -- over both. A boolean column it guesses at half, and hashes.
       SELECT v.*, b.candidate_id AS ballot_candidate_id, b.voting_time AS ballot_voting_time,
              EXISTS (SELECT 1 FROM candidates c WHERE c.candidate_id = b.candidate_id) AS candidate_known
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS b (voter_id, candidate_id, voting_time)
       CROSS JOIN LATERAL (SELECT * FROM voters v WHERE v.voter_id = b.voter_id LIMIT 1) AS v
     ), ins AS (
       INSERT INTO votes (voter_id, candidate_id, voting_time, vote, address_state, gender, registered_age)
       SELECT r.voter_id, r.ballot_candidate_id, r.ballot_voting_time, 1, r.address_state, r.gender, r.registered_age
       FROM registered r
       WHERE r.candidate_known
       ORDER BY r.voter_id
       ${onConflict}
       RETURNING voter_id, candidate_id, voting_time, vote
     ), earlier AS (
       -- Only the voters not stored now: the others' lookup could find nothing (the snapshot predates them).
       SELECT e.voter_id, e.candidate_id, e.voting_time, e.vote, false AS is_new
       FROM (SELECT unnest($1::text[]) EXCEPT SELECT voter_id FROM ins) AS b (voter_id)
       CROSS JOIN LATERAL (SELECT * FROM votes v WHERE v.voter_id = b.voter_id LIMIT 1) AS e
     ), stored AS (
       SELECT voter_id, candidate_id, voting_time, vote, true AS is_new FROM ins
       UNION ALL
       SELECT * FROM earlier
     )
     ${recordsOf('stored vo JOIN registered v ON v.voter_id = vo.voter_id', ', vo.is_new')}`,
)

/**
 * Inserts the ballots (the database keeps the first vote of a voter: its primary key)
 * and reads back every vote of these voters as stored, new or earlier, joined
 * with the voter and candidate: that is what goes to votes_topic, so a retried batch
 * republishes exactly what Postgres holds. A ballot is stored only when its voter and its
 * candidate are in Postgres; the others come back in `refused`, with the reason. The vote
 * keeps a copy of the voter's facts that `aggregate` counts by (see the votes table in schema.ts).
 *
 * That check is this statement's, not foreign keys': a foreign key checks each inserted row
 * with a trigger that takes a row lock on the voter and on the candidate (the voter's heap page
 * dirtied and logged, the candidate rows shared by every chunk in flight), which cost about a
 * third of Postgres' work per vote (bench/README.md, "Foreign keys"). Nothing in the product
 * deletes a voter or a candidate.
 *
 * One statement, one round trip, atomic on its own: the inserted rows come from RETURNING,
 * the earlier ones from the statement's snapshot. Its plain INSERT fails when a voter already has
 * a vote, and it goes again with ON CONFLICT (queryNewRows: rare, a chunk seen again). A vote another
 * transaction committed after that snapshot (a concurrent owner of the same voter: ON CONFLICT
 * waited for it and skipped) is in neither, so the voters missing are read again by a second
 * statement, which sees every committed vote.
 *
 * Each voter's row is looked up once, by its key: the statement keeps it (`registered`) for the vote's
 * copy of the facts and for the record, hash-joined to the stored votes (looked up a second time for the
 * record, the statement took 24-45 % longer: bench/README.md, "One lookup of the voter"). Rows of
 * `voters` and `votes` are looked up by key, voter by voter (LATERAL … LIMIT 1 is never flattened into a
 * join). Plain joins and `voter_id = ANY(…)` left the plan to the
 * tables' statistics, which lag while `register-voters` and `vote` fill them: on tables not yet
 * analysed, every chunk scanned `votes` whole (44 ms per 1,000 ballots at 190,000 votes,
 * growing with the table) until autoanalyze ran.
 */
export async function castVotes(
  db: Queryable,
  ballots: Ballot[],
): Promise<{votes: StoredVote[]; inserted: number; refused: RefusedBallot[]}> {
  // One ballot a voter (the first), for storing and for refusing: the voter's row is joined to its stored
  // vote, so a second ballot would give the vote a second record. Postgres would store one of them anyway (the primary key).
  const seen = new Set<string>()
  const unique = ballots.filter((b) => !seen.has(b.voter_id) && seen.add(b.voter_id))
  const ids = unique.map((b) => b.voter_id)
  const {rows} = await queryNewRows<StoredVote & {is_new: boolean}>(db, CAST, [
    ids,
    unique.map((b) => b.candidate_id),
    unique.map((b) => b.voting_time),
  ])
  let inserted = 0
  const stored = rows.map(({voter_id, record, is_new}): StoredVote => {
    if (is_new) inserted++
    return {voter_id, record}
  })
  const found = new Set(stored.map((r) => r.voter_id))
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) {
    const again = await db.query<StoredVote>(
      recordsOf(
        `unnest($1::text[]) AS b (voter_id)
         CROSS JOIN LATERAL (SELECT * FROM votes x WHERE x.voter_id = b.voter_id LIMIT 1) vo
         CROSS JOIN LATERAL (SELECT * FROM voters x WHERE x.voter_id = vo.voter_id LIMIT 1) v`,
      ),
      [missing],
    )
    for (const row of again.rows) {
      stored.push(row)
      found.add(row.voter_id)
    }
  }
  return {votes: stored, inserted, refused: await refusals(db, unique, found)}
}

/** Why the ballots of the voters with no stored vote were not stored (rare: none in a run of registered voters). */
async function refusals(db: Queryable, ballots: Ballot[], found: Set<string>): Promise<RefusedBallot[]> {
  const missing = ballots.filter((b) => !found.has(b.voter_id))
  if (missing.length === 0) return []
  const {rows} = await db.query<{voter_id: string}>(
    `SELECT b.voter_id FROM unnest($1::text[]) AS b (voter_id)
     CROSS JOIN LATERAL (SELECT 1 FROM voters v WHERE v.voter_id = b.voter_id LIMIT 1) AS registered`,
    [missing.map((b) => b.voter_id)],
  )
  const registered = new Set(rows.map((r) => r.voter_id))
  return missing.map(({voter_id, candidate_id}) => ({
    voter_id,
    rejection: registered.has(voter_id) ? unknownCandidate(candidate_id) : unknownVoter(),
  }))
}
