import type pg from 'pg'
import {z} from 'zod'

import {column, id, unnestOf} from './fields.js'

/** A candidate, as stored in the candidates table and published on candidates_topic. */
export const candidateSchema = z.object({
  candidate_id: id,
  candidate_name: column,
  party_affiliation: column,
  biography: z.string(),
  campaign_platform: z.string(),
  photo_url: z.string(),
})
export type Candidate = z.infer<typeof candidateSchema>

/** The candidates table's columns, in table order: the schema's fields, all text. */
export const CANDIDATE_COLUMNS = Object.keys(candidateSchema.shape) as Array<keyof Candidate>

/** Inserts candidates that are not there yet; returns the ones inserted. Re-running inserts nothing. */
export async function insertCandidates(client: pg.ClientBase, candidates: Candidate[]): Promise<Candidate[]> {
  const {rows} = await client.query<{candidate_id: string}>(
    `INSERT INTO candidates (${CANDIDATE_COLUMNS.join(', ')})
     SELECT * FROM ${unnestOf(CANDIDATE_COLUMNS.map(() => 'text'))}
     ON CONFLICT (candidate_id) DO NOTHING RETURNING candidate_id`,
    CANDIDATE_COLUMNS.map((k) => candidates.map((c) => c[k])),
  )
  const inserted = new Set(rows.map((r) => r.candidate_id))
  return candidates.filter((c) => inserted.has(c.candidate_id))
}

/** Every candidate, in id order (the order preferences index them by). */
export async function loadCandidates(pool: pg.Pool | pg.ClientBase): Promise<Candidate[]> {
  const {rows} = await pool.query<Candidate>(`SELECT ${CANDIDATE_COLUMNS.join(', ')} FROM candidates ORDER BY candidate_id`)
  return rows
}
