/**
 * The preference model written out again from its description, for tests to check the
 * product against (the product's own `Preferences` must not be its own oracle). Only the
 * seeded PRNG and the string hash are shared: they are the inputs the model is defined on.
 *
 * Each candidate c has an appeal a_c = U(seed, h(c), 1) * 0.6 and an age trend
 * t_c = (U(seed, h(c), 2) - 0.5) * 0.5; in region r it swings by s_rc = (U(seed, h(r), h(c)) - 0.5) * 1.4.
 * For an age in band b (18-24 … 65+, centred: b - 2.5) its weight is exp(a_c + s_rc + t_c * b);
 * a voter v picks the first candidate whose cumulative share exceeds U(seed, h(v), 3).
 *
 * With swing, at a voters_topic offset o the weight's exponent also gets two tides, each
 * A * (sin(2π o / P + φ) - sin(φ)): a national one (A 0.35, P 15,000, φ_c = U(seed, h(c), 4) * 2π)
 * and a regional one (A 0.3, P 5,000, φ_rc = U(seed, h(r), h(c), 5) * 2π).
 */
import {hashString, Rng} from '../../src/lib/random.js'

const BAND_LIMITS = [25, 35, 45, 55, 65] // 18-24, 25-34, 35-44, 45-54, 55-64, 65+

/** The age band's index, centred on the middle of the six bands. */
export const centredBand = (age: number): number => {
  const index = BAND_LIMITS.findIndex((limit) => age < limit)
  return (index === -1 ? BAND_LIMITS.length : index) - BAND_LIMITS.length / 2
}

/** Each candidate's probability for a voter of this region and age (at a voters_topic offset, with swing). */
export function modelShares(candidateIds: string[], seed: number, region: string, age: number, offset?: number): number[] {
  const tide = (amplitude: number, period: number, phase: number) =>
    offset === undefined ? 0 : amplitude * (Math.sin((2 * Math.PI * offset) / period + phase) - Math.sin(phase))
  const weights = candidateIds.map((id) => {
    const appeal = new Rng(seed, hashString(id), 1).next() * 0.6
    const trend = (new Rng(seed, hashString(id), 2).next() - 0.5) * 0.5
    const swing = (new Rng(seed, hashString(region), hashString(id)).next() - 0.5) * 1.4
    const national = tide(0.35, 15_000, new Rng(seed, hashString(id), 4).next() * 2 * Math.PI)
    const regional = tide(0.3, 5_000, new Rng(seed, hashString(region), hashString(id), 5).next() * 2 * Math.PI)
    return Math.exp(appeal + swing + trend * centredBand(age) + national + regional)
  })
  const sum = weights.reduce((a, b) => a + b, 0)
  return weights.map((w) => w / sum)
}

/** The index of the candidate the model gives this voter (at a voters_topic offset, with swing). */
export function modelChoice(candidateIds: string[], seed: number, voterId: string, region: string, age: number, offset?: number): number {
  const u = new Rng(seed, hashString(voterId), 3).next()
  let cumulative = 0
  const shares = modelShares(candidateIds, seed, region, age, offset)
  for (let i = 0; i < shares.length; i++) {
    cumulative += shares[i]!
    if (u < cumulative) return i
  }
  return shares.length - 1
}

/**
 * ln of how much likelier `choices` are under the model than under a uniform pick:
 * large and positive for choices drawn from the model, negative on average for uniform ones.
 */
export function logLikelihoodRatio(
  candidateIds: string[],
  seed: number,
  voters: Array<{region: string; age: number; chosen: number}>,
): number {
  return voters.reduce((sum, v) => sum + Math.log(modelShares(candidateIds, seed, v.region, v.age)[v.chosen]! * candidateIds.length), 0)
}
