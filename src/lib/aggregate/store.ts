import type pg from 'pg'

import type {Rejection} from '../kafka/messages.js'
import {ageBand} from '../election/age.js'
import {isoTimeSql} from '../election/fields.js'
import {candidateIdOfKeySql, locationCandidateKey, type Dimension} from '../election/totals.js'

export interface CountedVote {
  voter_id: string
  candidate_id: string
  party_affiliation: string
  state: string
  gender: string
  registered_age: number
  voting_time: string
}

// Unit separator: it cannot occur in a key and, unlike NUL, Postgres text can hold it.
export type DimensionKey = `${Dimension}\u001f${string}`
export const dimensionKey = (dimension: Dimension, key: string): DimensionKey => `${dimension}\u001f${key}`

/** The keys a vote adds one to, one per dimension. */
export function keysOf(vote: CountedVote): Array<[Dimension, string]> {
  return [
    ['candidate', vote.candidate_id],
    ['location', vote.state],
    ['gender', vote.gender],
    ['age', ageBand(vote.registered_age)],
    ['party', vote.party_affiliation],
    ['location_candidate', locationCandidateKey(vote.state, vote.candidate_id)],
  ]
}

/** What a votes_topic record says: this voter voted for this candidate. */
export interface VoteClaim {
  voter_id: string
  candidate_id: string
}

/** What became of one claim: counted now (with Postgres' facts), counted before, or refused with a reason. */
export type ClaimOutcome = {kind: 'counted'; vote: CountedVote} | {kind: 'duplicate'} | ({kind: 'refused'} & Rejection)

interface ClaimRow {
  i: number
  candidate_known: boolean
  voter_known: boolean
  stored_candidate_id: string | null
  fresh: boolean
  state: string
  gender: string
  registered_age: number
  party_affiliation: string
  voting_time: string
}

/**
 * Counts a batch of vote claims inside the caller's transaction, in one statement. A claim
 * counts only when it matches the vote Postgres holds (the voter exists and the candidate
 * is the stored one), so a forged or stray record is refused, and the dimensions counted
 * are Postgres' own facts about the voter, never the record's. The counted-votes table is
 * the idempotence key: a vote already counted (republished, a batch seen again after a
 * crash or a rebalance, a second aggregator racing on it) inserts no row and adds nothing.
 * Returns one outcome per claim, in order.
 */
export async function countVotes(client: pg.ClientBase, claims: VoteClaim[]): Promise<ClaimOutcome[]> {
  if (claims.length === 0) return []
  // Each claim looks its voter and stored vote up by primary key (LATERAL … LIMIT 1 is never
  // flattened, so it stays an index lookup): the cost follows the batch, never the tables. A
  // plain join let the planner hash whole tables (a scan of votes and voters per batch).
  const {rows} = await client.query<ClaimRow>(
    `WITH claim AS MATERIALIZED (
       SELECT c.i, c.voter_id, c.candidate_id,
              EXISTS (SELECT 1 FROM candidates ca WHERE ca.candidate_id = c.candidate_id) AS candidate_known,
              vr.voter_id IS NOT NULL AS voter_known, vr.address_state AS state, vr.gender, vr.registered_age,
              vo.candidate_id AS stored_candidate_id, vo.voting_time
       FROM unnest($1::int[], $2::text[], $3::text[]) AS c (i, voter_id, candidate_id)
       LEFT JOIN LATERAL (
         SELECT v.voter_id, v.address_state, v.gender, v.registered_age FROM voters v WHERE v.voter_id = c.voter_id LIMIT 1
       ) vr ON true
       LEFT JOIN LATERAL (SELECT v.candidate_id, v.voting_time FROM votes v WHERE v.voter_id = c.voter_id LIMIT 1) vo ON true
     ), fresh AS (
       INSERT INTO aggregator_counted_votes (voter_id)
       SELECT DISTINCT voter_id FROM claim WHERE stored_candidate_id = candidate_id
       ORDER BY 1
       ON CONFLICT (voter_id) DO NOTHING
       RETURNING voter_id
     )
     SELECT c.i, c.candidate_known, c.voter_known, c.stored_candidate_id, c.voter_id IN (SELECT f.voter_id FROM fresh f) AS fresh,
            c.state, c.gender, c.registered_age, cs.party_affiliation, ${isoTimeSql('c.voting_time')} AS voting_time
     FROM claim c
     LEFT JOIN candidates cs ON cs.candidate_id = c.stored_candidate_id`,
    [claims.map((_, i) => i), claims.map((c) => c.voter_id), claims.map((c) => c.candidate_id)],
  )
  const outcomes: ClaimOutcome[] = new Array(claims.length)
  // The same vote twice in one batch is counted once: the first claim takes the fresh row.
  const taken = new Set<string>()
  for (const row of rows) {
    const claim = claims[row.i]!
    outcomes[row.i] = outcomeOf(claim, row, taken)
  }
  const counted = outcomes.flatMap((o) => (o.kind === 'counted' ? [o.vote] : []))
  if (counted.length > 0) await addToTotals(client, counted)
  return outcomes
}

function outcomeOf(claim: VoteClaim, row: ClaimRow, taken: Set<string>): ClaimOutcome {
  if (!row.candidate_known)
    return {kind: 'refused', category: 'unknown_candidate', reason: `unknown candidate ${claim.candidate_id}: not in the candidates table`}
  if (!row.voter_known) return {kind: 'refused', category: 'unknown_voter', reason: 'unknown voter: not in the voters table'}
  if (row.stored_candidate_id === null)
    return {kind: 'refused', category: 'no_stored_vote', reason: 'no vote stored in Postgres for this voter'}
  if (row.stored_candidate_id !== claim.candidate_id)
    return {
      kind: 'refused',
      category: 'candidate_mismatch',
      reason: `candidate ${claim.candidate_id} differs from the stored vote's candidate ${row.stored_candidate_id}`,
    }
  if (!row.fresh || taken.has(claim.voter_id)) return {kind: 'duplicate'}
  taken.add(claim.voter_id)
  return {
    kind: 'counted',
    vote: {
      voter_id: claim.voter_id,
      candidate_id: claim.candidate_id,
      party_affiliation: row.party_affiliation,
      state: row.state,
      gender: row.gender,
      registered_age: row.registered_age,
      voting_time: row.voting_time,
    },
  }
}

/** Adds the counted votes to the running totals of every dimension. */
async function addToTotals(client: pg.ClientBase, counted: CountedVote[]): Promise<void> {
  const deltas = new Map<DimensionKey, {dimension: Dimension; key: string; n: number; last: string}>()
  for (const vote of counted) {
    for (const [dimension, key] of keysOf(vote)) {
      const id = dimensionKey(dimension, key)
      const entry = deltas.get(id)
      if (entry) {
        entry.n++
        if (vote.voting_time > entry.last) entry.last = vote.voting_time
      } else deltas.set(id, {dimension, key, n: 1, last: vote.voting_time})
    }
  }
  // A fixed key order keeps two aggregators' row locks from deadlocking.
  const rowsToAdd = [...deltas.values()].sort((a, b) => (a.dimension + a.key < b.dimension + b.key ? -1 : 1))
  await client.query(
    `INSERT INTO aggregator_totals (dimension, key, total, last_voting_time)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[])
     ON CONFLICT (dimension, key) DO UPDATE
       SET total = aggregator_totals.total + excluded.total,
           last_voting_time = greatest(aggregator_totals.last_voting_time, excluded.last_voting_time)`,
    [rowsToAdd.map((r) => r.dimension), rowsToAdd.map((r) => r.key), rowsToAdd.map((r) => r.n), rowsToAdd.map((r) => r.last)],
  )
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
