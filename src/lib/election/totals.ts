/**
 * The aggregate topics' dimensions and record shapes. Each record carries the absolute current value
 * for its key, so the latest record per key (compaction keeps it) is the answer, and
 * republishing a record is harmless.
 */
export const DIMENSIONS = ['candidate', 'location', 'gender', 'age', 'party'] as const
export type Dimension = (typeof DIMENSIONS)[number]

export interface CandidateTotal {
  candidate_id: string
  candidate_name: string
  party_affiliation: string
  photo_url: string | null
  total_votes: number
  /** The newest voting_time counted in total_votes; record timestamp minus this is the pipeline latency. */
  last_voting_time: string | null
  updated_at: string
}

export interface LocationTurnout {
  state: string
  count: number
  updated_at: string
}

export interface GenderTurnout {
  gender: string
  count: number
  updated_at: string
}

export interface AgeTurnout {
  age_band: string
  count: number
  updated_at: string
}

export interface PartyTotal {
  party_affiliation: string
  total_votes: number
  updated_at: string
}
