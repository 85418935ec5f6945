import type pg from 'pg'
import {z} from 'zod'

import {CANDIDATE_COLUMNS, type Candidate} from './candidates.js'
import {age, column, id, isoTimeSql} from './fields.js'
import {nestAddress, VOTER_SELECT, type AddressColumns, type Voter} from './voters.js'

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

type VoteRow = Omit<VoteRecord, 'address'> & AddressColumns

/**
 * Inserts the ballots (the database keeps the first vote of a voter: ON CONFLICT DO
 * NOTHING), then reads back every vote of these voters as stored, new or earlier,
 * joined with the voter and candidate: that is what goes to votes_topic, so a
 * retried batch republishes exactly what Postgres holds. Voters unknown to Postgres
 * are returned in `unknown`.
 */
export async function castVotes(client: pg.ClientBase, ballots: Ballot[]): Promise<{votes: VoteRecord[]; inserted: number; unknown: string[]}> {
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
  const {rows} = await client.query<VoteRow>(
    `SELECT ${VOTER_SELECT}, ${CANDIDATE_COLUMNS.map((c) => `c.${c}`).join(', ')}, ${isoTimeSql('vo.voting_time')} AS voting_time, vo.vote
     FROM votes vo JOIN voters v USING (voter_id) JOIN candidates c USING (candidate_id)
     WHERE vo.voter_id = ANY($1::text[])`,
    [ids],
  )
  const found = new Set(rows.map((r) => r.voter_id))
  return {votes: rows.map(nestAddress), inserted: rowCount ?? 0, unknown: ids.filter((id) => !found.has(id))}
}
