import {ageBand, AGE_BANDS} from '../election/age.js'
import {hashString, Rng} from '../random.js'

export interface CandidateRef {
  candidate_id: string
}

/**
 * Seeded, non-uniform preferences: each candidate has a national appeal, a swing
 * per region and a trend across age bands, so regions and generations differ and
 * the race is close but real. A voter's choice is a function of (seed, voter_id),
 * so a retried vote chooses the same candidate.
 */
export class Preferences {
  private readonly cache = new Map<string, number[]>()
  private readonly appeal: number[]
  private readonly ageTrend: number[]

  constructor(
    private readonly candidates: CandidateRef[],
    private readonly seed: number,
  ) {
    this.appeal = candidates.map((c) => new Rng(seed, hashString(c.candidate_id), 1).next() * 0.6)
    this.ageTrend = candidates.map((c) => (new Rng(seed, hashString(c.candidate_id), 2).next() - 0.5) * 0.5)
  }

  /** Cumulative probabilities for a region and age. */
  cumulative(region: string, age: number): number[] {
    const band = ageBand(age)
    const key = `${region}\u0000${band}`
    let cdf = this.cache.get(key)
    if (!cdf) {
      const bandIndex = AGE_BANDS.indexOf(band) - (AGE_BANDS.length - 1) / 2
      const weights = this.candidates.map((c, i) => {
        const swing = (new Rng(this.seed, hashString(region), hashString(c.candidate_id)).next() - 0.5) * 1.4
        return Math.exp(this.appeal[i]! + swing + this.ageTrend[i]! * bandIndex)
      })
      const sum = weights.reduce((a, b) => a + b, 0)
      let acc = 0
      cdf = weights.map((w) => (acc += w / sum))
      this.cache.set(key, cdf)
    }
    return cdf
  }

  choose(voterId: string, region: string, age: number): number {
    const cdf = this.cumulative(region, age)
    const u = new Rng(this.seed, hashString(voterId), 3).next()
    const index = cdf.findIndex((p) => u < p)
    return index === -1 ? cdf.length - 1 : index
  }
}
