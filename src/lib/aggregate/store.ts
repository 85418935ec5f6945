import type pg from 'pg'

import {ageBand} from './records.js'

export const DIMENSIONS = ['candidate', 'location', 'gender', 'age', 'party'] as const
export type Dimension = (typeof DIMENSIONS)[number]

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
  ]
}

/**
 * Counts a batch of votes inside the caller's transaction. The counted-votes table
 * is the idempotence key: a vote already counted (a republished vote, a batch seen
 * again after a crash or a rebalance, a second aggregator racing on it) inserts no
 * row and adds nothing. Returns the votes that were new.
 */
export async function countVotes(client: pg.ClientBase, votes: CountedVote[]): Promise<CountedVote[]> {
  if (votes.length === 0) return []
  const {rows} = await client.query<{voter_id: string}>(
    `INSERT INTO aggregator_counted_votes (voter_id) SELECT unnest($1::text[]) ORDER BY 1
     ON CONFLICT (voter_id) DO NOTHING RETURNING voter_id`,
    [votes.map((v) => v.voter_id)],
  )
  const fresh = new Set(rows.map((r) => r.voter_id))
  const counted = votes.filter((v) => fresh.delete(v.voter_id))
  if (counted.length === 0) return []

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
  return counted
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

/** Current totals (all, or only the given keys), with candidate details for the candidate dimension. */
export async function readTotals(client: pg.ClientBase | pg.Pool, keys?: DimensionKey[]): Promise<TotalRow[]> {
  const filter = keys ? `WHERE (t.dimension || chr(31) || t.key) = ANY($1::text[])` : ''
  const {rows} = await client.query<TotalRow>(
    `SELECT t.dimension, t.key, t.total,
            to_char(t.last_voting_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_voting_time,
            c.candidate_name, c.party_affiliation, c.photo_url
     FROM aggregator_totals t
     LEFT JOIN candidates c ON t.dimension = 'candidate' AND c.candidate_id = t.key
     ${filter}`,
    keys ? [keys] : [],
  )
  return rows
}
