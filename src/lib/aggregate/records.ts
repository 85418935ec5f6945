/**
 * The aggregate topics' record shapes. Each record carries the absolute current value
 * for its key, so the latest record per key (compaction keeps it) is the answer, and
 * republishing a record is harmless.
 */
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

export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const

export function ageBand(age: number): string {
  if (age < 25) return '18-24'
  if (age < 35) return '25-34'
  if (age < 45) return '35-44'
  if (age < 55) return '45-54'
  if (age < 65) return '55-64'
  return '65+'
}
