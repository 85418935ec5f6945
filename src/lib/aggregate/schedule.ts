import {systemClock, type Clock} from '../clock.js'
import type {Dimension} from '../election/totals.js'
import {dimensionKey, type DimensionKey} from './store.js'

export interface PublicationIntervals {
  /** The per-candidate totals: the headline, and what the latency is measured to. */
  headlineMs: number
  /** Every other dimension: many more keys, each changed by nearly every batch. */
  breakdownMs: number
}

/** What a publication round takes: its keys, and whether the headline totals are among them. */
export interface Due {
  keys: DimensionKey[]
  headline: boolean
}

/**
 * Which changed totals are due for publication. The candidate totals go out at most
 * `headlineMs` after they change; the breakdowns at most `breakdownMs`. At 5,000 votes/s
 * a 25 ms round touches about 100 region-and-candidate keys and 50 regions: publishing
 * those 40 times a second made ~8,500 aggregate records a second, which every viewer
 * decodes, for changes no one sees between two frames of a dashboard.
 */
export class PublicationSchedule {
  private headline = new Set<DimensionKey>()
  private breakdowns = new Set<DimensionKey>()
  private lastHeadline = -Infinity
  private lastBreakdowns = -Infinity

  constructor(
    private readonly intervals: PublicationIntervals,
    private readonly clock: Clock = systemClock,
  ) {}

  /** A total changed. */
  mark(dimension: Dimension, key: string): void {
    ;(dimension === 'candidate' ? this.headline : this.breakdowns).add(dimensionKey(dimension, key))
  }

  /** Whether a round would publish anything now. */
  isDue(): boolean {
    const now = this.clock.now()
    return this.headlineDue(now) || this.breakdownsDue(now)
  }

  /**
   * Takes the keys due now (`pending`: every changed key, due or not, as on a stop) and
   * starts their intervals again. Nothing due gives no keys.
   */
  take(pending = false): Due {
    const now = this.clock.now()
    const headline = this.headline.size > 0 && (pending || this.headlineDue(now))
    const breakdowns = this.breakdowns.size > 0 && (pending || this.breakdownsDue(now))
    const keys: DimensionKey[] = []
    if (headline) {
      keys.push(...this.headline)
      this.headline = new Set()
      this.lastHeadline = now
    }
    if (breakdowns) {
      keys.push(...this.breakdowns)
      this.breakdowns = new Set()
      this.lastBreakdowns = now
    }
    return {keys, headline}
  }

  /** Keys whose publication failed: due again with the next round. */
  restore(keys: DimensionKey[]): void {
    for (const key of keys) (key.startsWith(dimensionKey('candidate', '')) ? this.headline : this.breakdowns).add(key)
    this.lastHeadline = this.lastBreakdowns = -Infinity
  }

  private headlineDue(now: number): boolean {
    return this.headline.size > 0 && now - this.lastHeadline >= this.intervals.headlineMs
  }

  private breakdownsDue(now: number): boolean {
    return this.breakdowns.size > 0 && now - this.lastBreakdowns >= this.intervals.breakdownMs
  }
}
