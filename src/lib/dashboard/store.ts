import {
  splitLocationCandidateKey,
  type AgeTurnout,
  type CandidateTotal,
  type GenderTurnout,
  type LocationCandidateTotal,
  type LocationTurnout,
  type PartyTotal,
} from '../election/totals.js'
import type {AggregateKind} from '../kafka/topics.js'

export interface AggregateRecords {
  candidate: CandidateTotal
  location: LocationTurnout
  gender: GenderTurnout
  age: AgeTurnout
  party: PartyTotal
  location_candidate: LocationCandidateTotal
}

/**
 * The latest value per key of each compacted aggregate topic. Records carry absolute
 * values, so replaying a topic from the start (or twice) converges to the same state.
 */
export class AggregateStore {
  readonly candidate = new Map<string, CandidateTotal>()
  readonly location = new Map<string, LocationTurnout>()
  readonly gender = new Map<string, GenderTurnout>()
  readonly age = new Map<string, AgeTurnout>()
  readonly party = new Map<string, PartyTotal>()
  readonly location_candidate = new Map<string, LocationCandidateTotal>()
  /** Records that were not JSON objects; skipped rather than crashing a viewer. */
  malformed = 0

  /** Applies one record; `value` null (a tombstone) deletes the key. Returns the stored value. */
  apply<K extends AggregateKind>(kind: K, key: string, value: Buffer | string | null): AggregateRecords[K] | null {
    const map = this[kind] as Map<string, AggregateRecords[K]>
    if (value === null) {
      map.delete(key)
      return null
    }
    const parsed = normalize(kind, key, parseObject(value))
    if (!parsed) {
      this.malformed++
      return null
    }
    map.set(key, parsed as AggregateRecords[K])
    return parsed as AggregateRecords[K]
  }

  /** Votes counted so far: the sum of the candidates' absolute totals. */
  counted(): number {
    let sum = 0
    for (const c of this.candidate.values()) sum += c.total_votes
    return sum
  }
}

function parseObject(value: Buffer | string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(value.toString())
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** A non-negative finite count; anything else becomes 0 so sums never turn into NaN. */
function toCount(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0
}

const str = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback)
const strOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null)

function normalize(kind: AggregateKind, key: string, o: Record<string, unknown> | null): AggregateRecords[AggregateKind] | null {
  if (!o) return null
  const updated_at = str(o.updated_at, '')
  switch (kind) {
    case 'candidate':
      return {
        candidate_id: str(o.candidate_id, key),
        candidate_name: str(o.candidate_name, key),
        party_affiliation: str(o.party_affiliation, ''),
        photo_url: strOrNull(o.photo_url),
        total_votes: toCount(o.total_votes),
        last_voting_time: strOrNull(o.last_voting_time),
        updated_at,
      }
    case 'location':
      return {state: str(o.state, key), count: toCount(o.count), updated_at}
    case 'gender':
      return {gender: str(o.gender, key), count: toCount(o.count), updated_at}
    case 'age':
      return {age_band: str(o.age_band, key), count: toCount(o.count), updated_at}
    case 'party':
      return {party_affiliation: str(o.party_affiliation, key), total_votes: toCount(o.total_votes), updated_at}
    case 'location_candidate': {
      const fromKey = splitLocationCandidateKey(key)
      return {
        state: str(o.state, fromKey.state),
        candidate_id: str(o.candidate_id, fromKey.candidate_id),
        candidate_name: str(o.candidate_name, fromKey.candidate_id),
        party_affiliation: str(o.party_affiliation, ''),
        total_votes: toCount(o.total_votes),
        updated_at,
      }
    }
  }
}
