/**
 * The latency after the start of a run. The whole-run p99 is set by its first seconds, when every new
 * Postgres connection of the fresh `vote` and `aggregate` is slow (bench/README.md, "Why the first seconds
 * are slow"). This reads the aggregator's own histogram (`election_vote_latency_seconds`, on its Prometheus
 * endpoint) twice, some seconds after the run's first vote was published and at its end, and reports what
 * was published in between. 100 ms and 250 ms, the targets, are bucket bounds, so the shares within them are exact.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {scrape} from '../../test/helpers/metrics.js'

const HISTOGRAM = 'election_vote_latency_seconds'
const BOUNDS_MS = [100, 250] as const

export interface LatencyCounts {
  count: number
  /** Votes published within each bound (ms), cumulative as Prometheus buckets are. */
  within: Record<number, number>
}

export interface LatencyAfterStart {
  /** Votes published in the first this many seconds (from the first publication) are left out. */
  afterSeconds: number
  votes: number
  /** Shares (0-1) of those votes published within 100 and 250 ms of their voting_time. */
  within100ms: number | null
  within250ms: number | null
}

export async function latencyCounts(port: number): Promise<LatencyCounts> {
  const metrics = await scrape(port)
  if (!metrics) throw new Error(`the aggregator's metrics endpoint on port ${port} did not answer`)
  const within = Object.fromEntries(BOUNDS_MS.map((ms) => [ms, metrics.value(`${HISTOGRAM}_bucket`, {le: String(ms / 1000)})]))
  return {count: metrics.value(`${HISTOGRAM}_count`), within}
}

/**
 * The counts `seconds` after the first vote was published. The vote process takes a few seconds to start
 * casting, so this counts from the first publication, not from the start of the process. Rejects once the
 * endpoint is gone (the aggregator stopped), so it never outlives the run.
 */
export async function latencyCountsAfterFirstVotes(port: number, seconds: number): Promise<LatencyCounts> {
  while ((await latencyCounts(port)).count === 0) await sleep(100)
  await sleep(seconds * 1000)
  return latencyCounts(port)
}

/**
 * What was published between two readings. A vote cast in the slow start but published after the first
 * reading counts here, so the shares err on the slow side.
 */
export function latencyBetween(before: LatencyCounts, after: LatencyCounts, afterSeconds: number): LatencyAfterStart {
  const votes = after.count - before.count
  const share = (ms: number) => (votes > 0 ? (after.within[ms]! - before.within[ms]!) / votes : null)
  return {afterSeconds, votes, within100ms: share(100), within250ms: share(250)}
}
