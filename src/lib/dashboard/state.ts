import type {AggregateKind} from '../kafka/topics.js'
import {deriveSnapshot, type Counts} from './derive.js'
import {LatencyWindow, RateWindow} from './health.js'
import {RaceHistory} from './race.js'
import {AggregateStore} from './store.js'
import type {ChaosState, LinkState, Snapshot} from './types.js'

/** Mutable state behind one dashboard: fed by Kafka records and polls, read as snapshots. */
export class DashboardState {
  readonly store = new AggregateStore()
  readonly rate = new RateWindow()
  readonly latency = new LatencyWindow()
  readonly race = new RaceHistory()
  counts: Counts = {voters: null, candidates: null, votes: null}
  registered: ReadonlyMap<string, number> | null = null
  /** Set under `demo --chaos` (from its events file). */
  chaos: ChaosState | null = null
  lag: number | null = null
  kafka: LinkState = {status: 'connecting'}
  postgres: LinkState = {status: 'connecting'}

  /** One aggregate record; `timestamp` is the Kafka record timestamp in ms. */
  ingest(kind: AggregateKind, key: string, value: Buffer | string | null, timestamp: number): void {
    const previous = kind === 'candidate' ? this.store.candidate.get(key)?.total_votes : undefined
    const stored = this.store.apply(kind, key, value)
    if (kind !== 'candidate' || !stored || !('last_voting_time' in stored)) return
    this.rate.add(timestamp, previous === undefined ? 0 : stored.total_votes - previous)
    this.latency.add(timestamp, stored.last_voting_time)
    const totals = new Map<string, number>()
    for (const [id, c] of this.store.candidate) totals.set(id, c.total_votes)
    this.race.record(timestamp, totals)
  }

  snapshot(now = new Date()): Snapshot {
    const snapshot = deriveSnapshot({
      store: this.store,
      counts: this.counts,
      registered: this.registered,
      race: this.race,
      connection: {kafka: this.kafka, postgres: this.postgres},
      health: {
        votesPerSecond: round(this.rate.rate(now.getTime()), 1),
        latencyMs: {latest: this.latency.latest, p99: this.latency.p99()},
        lag: this.lag,
      },
      now,
    })
    return this.chaos ? {...snapshot, chaos: this.chaos} : snapshot
  }
}

function round(value: number | null, digits: number): number | null {
  return value === null ? null : Number(value.toFixed(digits))
}
