import {ageBand, AGE_BANDS} from '../election/age.js'
import {hashString, Rng} from '../random.js'

export interface CandidateRef {
  candidate_id: string
}

/**
 * How preferences shift over a run with `swing` on, in voters_topic records of one partition
 * (a partition's offset stands for time: voters are cast in registration order). At the demo's
 * 500 votes/s on 6 partitions a partition moves about 83 offsets a second, so the national tide
 * turns every 1.5 minutes or so and regional ones three times as often.
 */
export const SWING = {nationalPeriod: 15_000, nationalAmplitude: 0.35, regionalPeriod: 5_000, regionalAmplitude: 0.3} as const

const TAU = 2 * Math.PI

/**
 * Seeded, non-uniform preferences: each candidate has a national appeal, a swing per region and
 * a trend across age bands, so regions and generations differ and the race is close but real.
 * With `swing`, a national and a regional tide per candidate (sine waves of seeded phase over
 * the record's offset, zero at offset 0) move the race, so leads can change while it runs.
 * A voter's choice is a function of (seed, voter_id, region, age, offset): a retried vote reads
 * the same record at the same offset and chooses the same candidate.
 */
interface Cell {
  /** Log-weight per candidate before any tide. */
  base: number[]
  /** The regional tide's phase per candidate. */
  phase: number[]
  /** The cumulative distribution without tide (offset 0, or swing off). */
  still: number[]
}

function cumulativeOf(logWeights: number[]): number[] {
  const weights = logWeights.map(Math.exp)
  const sum = weights.reduce((a, b) => a + b, 0)
  let acc = 0
  return weights.map((w) => (acc += w / sum))
}

export class Preferences {
  private readonly cells = new Map<string, Cell>()
  private readonly appeal: number[]
  private readonly ageTrend: number[]
  private readonly nationalPhase: number[]

  constructor(
    private readonly candidates: CandidateRef[],
    private readonly seed: number,
    private readonly swing = false,
  ) {
    this.appeal = candidates.map((c) => new Rng(seed, hashString(c.candidate_id), 1).next() * 0.6)
    this.ageTrend = candidates.map((c) => (new Rng(seed, hashString(c.candidate_id), 2).next() - 0.5) * 0.5)
    this.nationalPhase = candidates.map((c) => new Rng(seed, hashString(c.candidate_id), 4).next() * TAU)
  }

  /** A region and age band's weights (cached: a few hundred cells). */
  private cell(region: string, age: number): Cell {
    const band = ageBand(age)
    const key = `${region}\u0000${band}`
    let cell = this.cells.get(key)
    if (!cell) {
      const bandIndex = AGE_BANDS.indexOf(band) - (AGE_BANDS.length - 1) / 2
      const base = this.candidates.map((c, i) => {
        const swing = (new Rng(this.seed, hashString(region), hashString(c.candidate_id)).next() - 0.5) * 1.4
        return this.appeal[i]! + swing + this.ageTrend[i]! * bandIndex
      })
      const phase = this.candidates.map((c) => new Rng(this.seed, hashString(region), hashString(c.candidate_id), 5).next() * TAU)
      cell = {base, phase, still: cumulativeOf(base)}
      this.cells.set(key, cell)
    }
    return cell
  }

  /** Cumulative probabilities for a region and age, at a voters_topic offset (which matters only with swing). */
  cumulative(region: string, age: number, offset = 0): number[] {
    const cell = this.cell(region, age)
    if (!this.swing || offset === 0) return cell.still
    // Each tide is a sine of seeded phase, shifted to start at 0.
    const tide = (period: number, phase: number) => Math.sin((TAU * offset) / period + phase) - Math.sin(phase)
    return cumulativeOf(
      cell.base.map(
        (w, i) =>
          w +
          SWING.nationalAmplitude * tide(SWING.nationalPeriod, this.nationalPhase[i]!) +
          SWING.regionalAmplitude * tide(SWING.regionalPeriod, cell.phase[i]!),
      ),
    )
  }

  choose(voterId: string, region: string, age: number, offset = 0): number {
    const cdf = this.cumulative(region, age, offset)
    const u = new Rng(this.seed, hashString(voterId), 3).next()
    const index = cdf.findIndex((p) => u < p)
    return index === -1 ? cdf.length - 1 : index
  }
}
