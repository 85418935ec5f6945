/** The dashboard's one data shape: what the UI draws, what --once prints and what --json returns. */

import type {ChaosKill} from '../demo/chaos.js'
import type {ExactnessCheck} from '../demo/events.js'
import type {Race} from './race.js'

export type LinkStatus = 'connecting' | 'connected' | 'unreachable' | 'error'

export interface LinkState {
  status: LinkStatus
  /** Why it is unreachable or in error; shown in the header. */
  detail?: string
}

export interface Totals {
  /** Postgres counts; null until the first successful query. */
  voters: number | null
  candidates: number | null
  votes: number | null
  /** Votes the aggregator has counted: the sum of the candidates' total_votes. */
  counted: number
  /** votes / voters * 100; null while either is unknown or voters is 0. */
  turnoutPct: number | null
}

export interface CandidateRow {
  candidate_id: string
  candidate_name: string
  party_affiliation: string
  photo_url: string | null
  total_votes: number
  /** Percent of counted votes, 0-100. */
  share: number
  last_voting_time: string | null
}

export interface Leader extends Omit<CandidateRow, 'last_voting_time'> {
  /** Votes ahead of the runner-up (0 = tied). */
  lead: number
  runner_up: string | null
}

export interface LocationRow {
  state: string
  count: number
  share: number
  updated_at: string
}

/** Who leads one region (aggregated_votes_per_location_candidate) and how many of its voters voted. */
export interface RegionRow {
  state: string
  /** The leading candidate's name; ties by name, then id. */
  leader: string
  /** The leading candidate's id (its colour on the map). */
  leaderId: string
  /** The leader's percent of the region's counted votes. */
  leaderShare: number
  /** Percentage points between the leader's share and the runner-up's (the leader's share when alone). */
  margin: number
  /** Votes counted in the region. */
  counted: number
  /** counted / registered voters of the region * 100; null while the registrations are unknown. */
  turnoutPct: number | null
}

export interface GenderRow {
  gender: string
  count: number
  share: number
}

export interface AgeRow {
  age_band: string
  count: number
  share: number
}

export interface PartyRow {
  party_affiliation: string
  total_votes: number
  share: number
}

export interface Health {
  /** Growth of the candidates' totals over the last 10 s of record time. */
  votesPerSecond: number | null
  /** Kafka record timestamp minus last_voting_time of candidate records. */
  latencyMs: {latest: number | null; p99: number | null}
  /** Aggregator group's lag on the votes topic; null when unknown. */
  lag: number | null
}

export interface Snapshot {
  refreshedAt: string
  connection: {kafka: LinkState; postgres: LinkState}
  totals: Totals
  leader: Leader | null
  candidates: CandidateRow[]
  locations: LocationRow[]
  regions: RegionRow[]
  /** Votes per second and each candidate's share, second by second, over the last minutes. */
  race: Race
  /** Under `demo --chaos` only: the processes it killed and its last live exactness check. */
  chaos?: ChaosState
  gender: GenderRow[]
  age: AgeRow[]
  party: PartyRow[]
  health: Health
}

export interface ChaosState {
  kills: ChaosKill[]
  lastCheck: ExactnessCheck | null
}
