import type pg from 'pg'

import {newRowsStatement, queryNewRows} from '../db/new-rows.js'
import type {Queryable} from '../db/pool.js'
import type {Rejection} from '../kafka/messages.js'
import {ageBandSql} from '../election/age.js'
import {unknownCandidate, unknownVoter} from '../election/rejections.js'
import {candidateIdOfKeySql, locationCandidateKeySql, type Dimension} from '../election/totals.js'

// Unit separator: it cannot occur in a key and, unlike NUL, Postgres text can hold it.
export type DimensionKey = `${Dimension}\u001f${string}`
export const dimensionKey = (dimension: Dimension, key: string): DimensionKey => `${dimension}\u001f${key}`

/** What a votes_topic record says: this voter voted for this candidate. */
export interface VoteClaim {
  voter_id: string
  candidate_id: string
}

/** What became of one claim: counted now, counted before, or refused with a reason. */
export type ClaimOutcome = {kind: 'counted'} | {kind: 'duplicate'} | ({kind: 'refused'} & Rejection)

export interface CountResult {
  /** One per claim, in order. */
  outcomes: ClaimOutcome[]
  /** The totals this statement added to (to be published). */
  changed: Array<[Dimension, string]>
}

/** A row of the statement: a changed total (`dimension` set) or a claim that was not counted now (`i` set). */
interface ResultRow {
  dimension: Dimension | null
  key: string | null
  i: number | null
  candidate_known: boolean
  voter_known: boolean
  stored_candidate_id: string | null
}

/** The counted votes' columns the totals group by, in the order GROUPING() below takes them. */
const GROUPED = ['candidate_id', 'state', 'gender', 'age_band', 'party'] as const
type Grouped = (typeof GROUPED)[number]

/** Each dimension's grouping set over the `k` rows below, and its key in SQL over that set's `g` rows. */
const DIMENSION_GROUPS: Record<Dimension, {columns: Grouped[]; key: string}> = {
  candidate: {columns: ['candidate_id'], key: 'g.candidate_id'},
  location: {columns: ['state'], key: 'g.state'},
  gender: {columns: ['gender'], key: 'g.gender'},
  age: {columns: ['age_band'], key: 'g.age_band'},
  party: {columns: ['party'], key: 'g.party'},
  location_candidate: {columns: ['state', 'candidate_id'], key: locationCandidateKeySql('g.state', 'g.candidate_id')},
}

/** What GROUPING(GROUPED) gives a row of this grouping set: a bit per column it does not group by, the first column highest. */
const groupingOf = (columns: readonly Grouped[]): number =>
  GROUPED.reduce((bits, column, i) => (columns.includes(column) ? bits : bits | (1 << (GROUPED.length - 1 - i))), 0)

const GROUPS = Object.entries(DIMENSION_GROUPS).map(([dimension, {columns, key}]) => ({dimension, columns, key, set: groupingOf(columns)}))
const GROUPED_SQL = GROUPED.map((c) => `k.${c}`).join(', ')
const GROUPING_SETS_SQL = GROUPS.map((g) => `(${g.columns.map((c) => `k.${c}`).join(', ')})`).join(', ')
const DIMENSION_SQL = `CASE g.set ${GROUPS.map((g) => `WHEN ${g.set} THEN '${g.dimension}'`).join(' ')} END`
const KEY_SQL = `CASE g.set ${GROUPS.map((g) => `WHEN ${g.set} THEN ${g.key}`).join(' ')} END`

/**
 * countVotes' statement. Each claim looks its stored vote (and, rarely, its voter) up by primary key
 * (LATERAL … LIMIT 1 is never flattened, so it stays an index lookup): the cost follows the batch,
 * never the tables. A plain join let the planner hash whole tables (a scan of votes and voters per
 * batch). Totals rows are upserted in one fixed (byte) order, so two statements cannot deadlock.
 */
const COUNT = newRowsStatement(
  'aggregator_counted_votes',
  'voter_id',
  (onConflict) =>
    `WITH claim AS MATERIALIZED (
     SELECT c.i, c.voter_id, c.candidate_id,
            EXISTS (SELECT 1 FROM candidates ca WHERE ca.candidate_id = c.candidate_id) AS candidate_known,
            vo.voter_id IS NOT NULL OR vr.voter_id IS NOT NULL AS voter_known,
            coalesce(vr.address_state, vo.address_state) AS state, coalesce(vr.gender, vo.gender) AS gender,
            coalesce(vr.registered_age, vo.registered_age) AS registered_age,
            vo.candidate_id AS stored_candidate_id, vo.voting_time,
            -- A column, not the comparison in each WHERE below: Postgres guesses that one of 200
            -- rows passes a comparison of two columns, and for so few it matched the claims to
            -- the votes counted now by reading \`fresh\` once per claim (half the statement's time
            -- for 250 claims). A boolean column it guesses at half, and hashes.
            vo.candidate_id IS NOT DISTINCT FROM c.candidate_id AS matches
     FROM unnest($1::int[], $2::text[], $3::text[]) AS c (i, voter_id, candidate_id)
     LEFT JOIN LATERAL (
       SELECT v.voter_id, v.candidate_id, v.voting_time, v.address_state, v.gender, v.registered_age
       FROM votes v WHERE v.voter_id = c.voter_id LIMIT 1
     ) vo ON true
     -- The voter's row only when the vote has no copy of its facts (stored without them), or
     -- there is no vote (is the voter known?): the condition on vo is checked before the lookup.
     LEFT JOIN LATERAL (
       SELECT v.voter_id, v.address_state, v.gender, v.registered_age FROM voters v
       WHERE (vo.voter_id IS NULL OR (vo.address_state IS NULL AND vo.gender IS NULL AND vo.registered_age IS NULL))
         AND v.voter_id = c.voter_id LIMIT 1
     ) vr ON true
   ), fresh AS (
     INSERT INTO aggregator_counted_votes (voter_id)
     SELECT DISTINCT voter_id FROM claim WHERE matches
     ORDER BY 1
     ${onConflict}
     RETURNING voter_id
   ), counted AS MATERIALIZED (
     -- The same vote twice in one batch is counted once: its first claim that matches the stored
     -- vote (a forged claim for the same voter may come before it, and is refused).
     SELECT DISTINCT ON (c.voter_id) c.i, c.candidate_id, c.state, c.gender, c.registered_age, c.voting_time
     FROM claim c JOIN fresh f ON f.voter_id = c.voter_id
     WHERE c.matches
     ORDER BY c.voter_id, c.i
   ), added AS (
     -- Every dimension's sums in one pass over the counted votes (grouping sets, hashed side
     -- by side), each set's rows told apart by GROUPING(): 10-12 % less time for the statement
     -- than grouping the votes alike first and summing six rows per group (bench/README.md).
     INSERT INTO aggregator_totals AS t (dimension, key, total, last_voting_time)
     SELECT d.dimension, d.key, d.n, d.last
     FROM (
       SELECT ${DIMENSION_SQL} AS dimension, ${KEY_SQL} AS key, g.n, g.last
       FROM (
         SELECT GROUPING(${GROUPED_SQL}) AS set, ${GROUPED_SQL},
                count(*) AS n, max(k.voting_time) AS last
         FROM (
           SELECT c.candidate_id, c.state, c.gender, ${ageBandSql('c.registered_age')} AS age_band, cs.party_affiliation AS party,
                  c.voting_time
           FROM counted c JOIN candidates cs ON cs.candidate_id = c.candidate_id
         ) k
         GROUP BY GROUPING SETS (${GROUPING_SETS_SQL})
       ) g
     ) d
     ORDER BY d.dimension COLLATE "C", d.key COLLATE "C"
     ON CONFLICT (dimension, key) DO UPDATE
       SET total = t.total + excluded.total, last_voting_time = greatest(t.last_voting_time, excluded.last_voting_time)
     RETURNING t.dimension, t.key
   )
   SELECT a.dimension, a.key, NULL::int AS i, NULL::bool AS candidate_known, NULL::bool AS voter_known, NULL AS stored_candidate_id
   FROM added a
   UNION ALL
   SELECT NULL, NULL, c.i, c.candidate_known, c.voter_known, c.stored_candidate_id
   FROM claim c WHERE c.i NOT IN (SELECT k.i FROM counted k)`,
)

/**
 * Counts a batch of vote claims in one statement, which is atomic on its own: no transaction
 * around it, so the totals' row locks are held only for the end of one statement and its commit
 * (other aggregators' and partitions' statements wait on those rows). A claim counts only when it
 * matches the vote Postgres holds (the voter exists and the candidate is the stored one), so a
 * forged or stray record is refused, and the dimensions counted are Postgres' own facts about the
 * voter, never the record's: the copy the stored vote keeps (see the votes table in schema.ts), or
 * the voter's row for a vote stored without one. The counted-votes table is the idempotence key:
 * a vote already counted (republished, a batch seen again after a crash or a rebalance, a second
 * aggregator racing on it) inserts no row and adds nothing (the batch goes again with ON CONFLICT:
 * see queryNewRows). Only the exceptions come back per claim (the claims not counted now) and the
 * totals that changed: a batch of good votes returns a few hundred rows, not one per vote.
 */
export async function countVotes(db: Queryable, claims: VoteClaim[]): Promise<CountResult> {
  if (claims.length === 0) return {outcomes: [], changed: []}
  const values = [claims.map((_, i) => i), claims.map((c) => c.voter_id), claims.map((c) => c.candidate_id)]
  const {rows} = await queryNewRows<ResultRow>(db, COUNT, values)
  const outcomes: ClaimOutcome[] = new Array<ClaimOutcome>(claims.length).fill(COUNTED)
  const changed: Array<[Dimension, string]> = []
  for (const row of rows) {
    if (row.i === null) changed.push([row.dimension!, row.key!])
    else outcomes[row.i] = outcomeOf(claims[row.i]!, row)
  }
  return {outcomes, changed}
}

const COUNTED: ClaimOutcome = Object.freeze({kind: 'counted'})

/** Why a claim that was not counted now was not. */
function outcomeOf(claim: VoteClaim, row: ResultRow): ClaimOutcome {
  if (!row.candidate_known) return {kind: 'refused', ...unknownCandidate(claim.candidate_id)}
  if (!row.voter_known) return {kind: 'refused', ...unknownVoter()}
  if (row.stored_candidate_id === null)
    return {kind: 'refused', category: 'no_stored_vote', reason: 'no vote stored in Postgres for this voter'}
  if (row.stored_candidate_id !== claim.candidate_id)
    return {
      kind: 'refused',
      category: 'candidate_mismatch',
      reason: `candidate ${claim.candidate_id} differs from the stored vote's candidate ${row.stored_candidate_id}`,
    }
  return {kind: 'duplicate'}
}

export interface TotalRow {
  dimension: Dimension
  key: string
  total: number
  last_voting_time: string | null
  candidate_name: string | null
  party_affiliation: string | null
  photo_url: string | null
}

/** Current totals (all, or only the given keys), with candidate details for the dimensions that name a candidate. */
export async function readTotals(client: pg.ClientBase | pg.Pool, keys?: DimensionKey[]): Promise<TotalRow[]> {
  const filter = keys ? `WHERE (t.dimension || chr(31) || t.key) = ANY($1::text[])` : ''
  const {rows} = await client.query<TotalRow>(
    `SELECT t.dimension, t.key, t.total,
            to_char(t.last_voting_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_voting_time,
            c.candidate_name, c.party_affiliation, c.photo_url
     FROM aggregator_totals t
     LEFT JOIN candidates c ON c.candidate_id = CASE t.dimension
       WHEN 'candidate' THEN t.key
       WHEN 'location_candidate' THEN ${candidateIdOfKeySql('t.key')}
     END
     ${filter}`,
    keys ? [keys] : [],
  )
  return rows
}
