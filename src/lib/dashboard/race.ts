import {share} from './format.js'

/**
 * How the race moved: the candidates' totals second by second, by Kafka record time (so a
 * dashboard started late replays the recent race from the topic at once), for the last few minutes.
 */
export class RaceHistory {
  private points: Array<{second: number; totals: Map<string, number>}> = []

  constructor(readonly keepSeconds = 300) {}

  /** The candidates' totals as they stand after a candidate record stamped `timestampMs`. */
  record(timestampMs: number, totals: ReadonlyMap<string, number>): void {
    if (!Number.isFinite(timestampMs)) return
    const second = Math.floor(timestampMs / 1000)
    const last = this.points.at(-1)
    // A record older than the newest second (another partition, a replay) changes no past point.
    if (last && second < last.second) return
    if (last && last.second === second) last.totals = new Map(totals)
    else this.points.push({second, totals: new Map(totals)})
    while (this.points.length > 0 && this.points[0]!.second <= second - this.keepSeconds) this.points.shift()
  }

  get length(): number {
    return this.points.length
  }

  /** One value per second from the first point to the last, a second without records holding the one before. */
  dense(): Array<{second: number; totals: ReadonlyMap<string, number>}> {
    const out: Array<{second: number; totals: ReadonlyMap<string, number>}> = []
    for (const point of this.points) {
      const previous = out.at(-1)
      if (previous) for (let s = previous.second + 1; s < point.second; s++) out.push({second: s, totals: previous.totals})
      out.push(point)
    }
    return out
  }
}

export interface Race {
  /** The first second shown (ISO time) and how many seconds follow, one value each. */
  from: string | null
  seconds: number
  votesPerSecond: number[]
  /** Each candidate's share of the votes counted up to each second, 0-100. */
  shares: Array<{candidate_id: string; candidate_name: string; series: number[]}>
  /** Where the leader changed: the index of the second, and who leads from then on. */
  leadChanges: Array<{index: number; at: string; leader: string}>
}

/** The race panel's data; `names` orders the candidates (the snapshot's ranking) and names them. */
export function deriveRace(history: RaceHistory, names: ReadonlyArray<{candidate_id: string; candidate_name: string}>): Race {
  const points = history.dense()
  const race: Race = {from: null, seconds: points.length, votesPerSecond: [], shares: [], leadChanges: []}
  if (points.length === 0) return race
  race.from = new Date(points[0]!.second * 1000).toISOString()
  const sum = (totals: ReadonlyMap<string, number>) => [...totals.values()].reduce((a, b) => a + b, 0)
  race.shares = names.map(({candidate_id, candidate_name}) => ({candidate_id, candidate_name, series: []}))
  let leader: string | null = null
  points.forEach((point, i) => {
    const total = sum(point.totals)
    race.votesPerSecond.push(i === 0 ? 0 : Math.max(0, total - sum(points[i - 1]!.totals)))
    for (const s of race.shares) s.series.push(share(point.totals.get(s.candidate_id) ?? 0, total))
    // The leader as the ranking orders ties: the first of `names` with the most votes.
    let best: {candidate_id: string; candidate_name: string} | null = null
    for (const c of names) if ((point.totals.get(c.candidate_id) ?? 0) > (best ? (point.totals.get(best.candidate_id) ?? 0) : 0)) best = c
    if (best && best.candidate_id !== leader) {
      if (leader !== null) race.leadChanges.push({index: i, at: new Date(point.second * 1000).toISOString(), leader: best.candidate_name})
      leader = best.candidate_id
    }
  })
  return race
}
