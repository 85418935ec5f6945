import type pg from 'pg'

import type {Candidate} from '../generate/candidates.js'

export interface Ballot {
  voter_id: string
  candidate_id: string
  voting_time: string
}

export interface StoredVote extends Record<string, unknown> {
  voter_id: string
  candidate_id: string
  voting_time: string
}

export async function loadCandidates(pool: pg.Pool): Promise<Candidate[]> {
  const {rows} = await pool.query<Candidate>('SELECT * FROM candidates ORDER BY candidate_id')
  return rows
}

/**
 * Inserts the ballots (the database keeps the first vote of a voter: ON CONFLICT DO
 * NOTHING), then reads back every vote of these voters as stored, new or earlier,
 * joined with the voter and candidate: that is what goes to votes_topic, so a
 * retried batch republishes exactly what Postgres holds. Voters unknown to Postgres
 * are returned in `unknown`.
 */
export async function castVotes(client: pg.ClientBase, ballots: Ballot[]): Promise<{votes: StoredVote[]; inserted: number; unknown: string[]}> {
  const ids = ballots.map((b) => b.voter_id)
  const {rowCount} = await client.query(
    `INSERT INTO votes (voter_id, candidate_id, voting_time, vote)
     SELECT b.voter_id, b.candidate_id, b.voting_time, 1
     FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS b (voter_id, candidate_id, voting_time)
     JOIN voters v ON v.voter_id = b.voter_id
     ORDER BY b.voter_id
     ON CONFLICT (voter_id) DO NOTHING`,
    [ids, ballots.map((b) => b.candidate_id), ballots.map((b) => b.voting_time)],
  )
  const {rows} = await client.query<Record<string, unknown>>(
    `SELECT v.voter_id, v.voter_name, to_char(v.date_of_birth, 'YYYY-MM-DD') AS date_of_birth, v.gender, v.nationality,
            v.registration_number, v.address_street, v.address_city, v.address_state, v.address_country, v.address_postcode,
            v.email, v.phone_number, v.cell_number, v.picture, v.registered_age,
            c.candidate_id, c.candidate_name, c.party_affiliation, c.biography, c.campaign_platform, c.photo_url,
            to_char(vo.voting_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS voting_time, vo.vote
     FROM votes vo JOIN voters v USING (voter_id) JOIN candidates c USING (candidate_id)
     WHERE vo.voter_id = ANY($1::text[])`,
    [ids],
  )
  const found = new Set(rows.map((r) => r.voter_id as string))
  return {votes: rows.map(toVoteRecord), inserted: rowCount ?? 0, unknown: ids.filter((id) => !found.has(id))}
}

/** The reference's vote record: the voter (address nested) merged with the candidate, plus voting_time and vote: 1. */
function toVoteRecord(row: Record<string, unknown>): StoredVote {
  const {address_street, address_city, address_state, address_country, address_postcode, ...rest} = row
  return {
    ...rest,
    address: {street: address_street, city: address_city, state: address_state, country: address_country, postcode: address_postcode},
  } as unknown as StoredVote
}
