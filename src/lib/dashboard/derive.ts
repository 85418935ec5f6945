import {AGE_BANDS} from '../election/age.js'
import type {CandidateTotal, LocationCandidateTotal} from '../election/totals.js'
import {share} from './format.js'
import {deriveRace, RaceHistory} from './race.js'
import type {AggregateStore} from './store.js'
import type {AgeRow, CandidateRow, GenderRow, Health, Leader, LinkState, LocationRow, PartyRow, RegionRow, Snapshot} from './types.js'

export interface Counts {
  voters: number | null
  candidates: number | null
  votes: number | null
}

export interface DeriveInput {
  store: AggregateStore
  counts: Counts
  /** Registered voters per region (Postgres); null until the first successful query. */
  registered: ReadonlyMap<string, number> | null
  /** The candidates' totals over the last minutes; none for a one-off snapshot that has no history. */
  race?: RaceHistory
  connection: {kafka: LinkState; postgres: LinkState}
  health: Health
  now: Date
}

/** Everything the views show, computed from the latest values; pure. */
export function deriveSnapshot({store, counts, registered, race, connection, health, now}: DeriveInput): Snapshot {
  const candidates = rankCandidates(store.candidate.values())
  const counted = store.counted()
  return {
    refreshedAt: now.toISOString(),
    connection,
    totals: {...counts, counted, turnoutPct: turnoutPct(counts.votes, counts.voters)},
    leader: leaderOf(candidates),
    candidates,
    locations: withShares([...store.location.values()], (l) => l.count)
      .map(({state, count, share, updated_at}) => ({state, count, share, updated_at}) satisfies LocationRow)
      .sort((a, b) => b.count - a.count || a.state.localeCompare(b.state)),
    regions: regionsOf(store.location_candidate.values(), registered),
    race: deriveRace(race ?? new RaceHistory(), candidates),
    gender: withShares([...store.gender.values()], (g) => g.count)
      .map(({gender, count, share}) => ({gender, count, share}) satisfies GenderRow)
      .sort((a, b) => b.count - a.count || a.gender.localeCompare(b.gender)),
    age: withShares([...store.age.values()], (a) => a.count)
      .map(({age_band, count, share}) => ({age_band, count, share}) satisfies AgeRow)
      .sort((a, b) => bandIndex(a.age_band) - bandIndex(b.age_band) || a.age_band.localeCompare(b.age_band)),
    party: withShares([...store.party.values()], (p) => p.total_votes)
      .map(({party_affiliation, total_votes, share}) => ({party_affiliation, total_votes, share}) satisfies PartyRow)
      .sort((a, b) => b.total_votes - a.total_votes || a.party_affiliation.localeCompare(b.party_affiliation)),
    health,
  }
}

export function turnoutPct(votes: number | null, voters: number | null): number | null {
  if (votes === null || voters === null || voters <= 0) return null
  return share(votes, voters)
}

/** Most votes first; ties by name then id so the order is stable between renders. */
export function rankCandidates(candidates: Iterable<CandidateTotal>): CandidateRow[] {
  const list = [...candidates]
  const total = list.reduce((sum, c) => sum + c.total_votes, 0)
  return list
    .map((c) => ({
      candidate_id: c.candidate_id,
      candidate_name: c.candidate_name,
      party_affiliation: c.party_affiliation,
      photo_url: c.photo_url,
      total_votes: c.total_votes,
      share: share(c.total_votes, total),
      last_voting_time: c.last_voting_time,
    }))
    .sort(
      (a, b) =>
        b.total_votes - a.total_votes || a.candidate_name.localeCompare(b.candidate_name) || a.candidate_id.localeCompare(b.candidate_id),
    )
}

/** The top of a ranked list; null until somebody has a vote. */
export function leaderOf(ranked: CandidateRow[]): Leader | null {
  const [first, second] = ranked
  if (!first || first.total_votes <= 0) return null
  return {
    candidate_id: first.candidate_id,
    candidate_name: first.candidate_name,
    party_affiliation: first.party_affiliation,
    photo_url: first.photo_url,
    total_votes: first.total_votes,
    share: first.share,
    lead: first.total_votes - (second?.total_votes ?? 0),
    runner_up: second?.candidate_name ?? null,
  }
}

/**
 * Each region's race: its candidates ranked as the whole election's are (rankCandidates), the
 * leader's share and margin in points, and its turnout. Most votes counted first.
 */
export function regionsOf(totals: Iterable<LocationCandidateTotal>, registered: ReadonlyMap<string, number> | null): RegionRow[] {
  const byRegion = new Map<string, LocationCandidateTotal[]>()
  for (const t of totals) {
    const list = byRegion.get(t.state) ?? []
    list.push(t)
    byRegion.set(t.state, list)
  }
  const rows: RegionRow[] = []
  for (const [state, list] of byRegion) {
    const ranked = rankCandidates(list.map((t) => ({...t, photo_url: null, last_voting_time: null})))
    const [first, second] = ranked
    const counted = ranked.reduce((sum, c) => sum + c.total_votes, 0)
    if (!first || counted === 0) continue
    const voters = registered?.get(state)
    rows.push({
      state,
      leader: first.candidate_name,
      leaderId: first.candidate_id,
      leaderShare: first.share,
      margin: Math.round((first.share - (second?.share ?? 0)) * 100) / 100,
      counted,
      turnoutPct: voters ? share(counted, voters) : null,
    })
  }
  return rows.sort((a, b) => b.counted - a.counted || a.state.localeCompare(b.state))
}

function withShares<T>(rows: T[], value: (row: T) => number): Array<T & {share: number}> {
  const total = rows.reduce((sum, r) => sum + value(r), 0)
  return rows.map((r) => ({...r, share: share(value(r), total)}))
}

function bandIndex(band: string): number {
  const i = (AGE_BANDS as readonly string[]).indexOf(band)
  return i < 0 ? AGE_BANDS.length : i
}
