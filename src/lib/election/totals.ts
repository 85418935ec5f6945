/**
 * The aggregate topics' dimensions and record shapes. Each record carries the absolute current value
 * for its key, so the latest record per key (compaction keeps it) is the answer, and
 * republishing a record is harmless.
 */
export const DIMENSIONS = ['candidate', 'location', 'gender', 'age', 'party', 'location_candidate'] as const
export type Dimension = (typeof DIMENSIONS)[number]

/**
 * The key of a region's count for one candidate: `state|candidate_id`. Candidate ids are UUIDs
 * and never hold a "|", so the last one splits the key even where a region's name has one.
 */
export const locationCandidateKey = (state: string, candidateId: string): string => `${state}|${candidateId}`

/** The same key and its split, in SQL (the aggregator's counting and candidate join, verify's ground truth). */
export const locationCandidateKeySql = (state: string, candidateId: string): string => `${state} || '|' || ${candidateId}`
export const candidateIdOfKeySql = (key: string): string => `substring(${key} FROM '[^|]*$')`

export function splitLocationCandidateKey(key: string): {state: string; candidate_id: string} {
  const at = key.lastIndexOf('|')
  return at < 0 ? {state: key, candidate_id: ''} : {state: key.slice(0, at), candidate_id: key.slice(at + 1)}
}

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

/** One candidate's votes in one region (aggregated_votes_per_location_candidate). */
export interface LocationCandidateTotal {
  state: string
  candidate_id: string
  candidate_name: string
  party_affiliation: string
  total_votes: number
  updated_at: string
}
