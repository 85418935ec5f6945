import assert from 'node:assert/strict'

import {AGE_BANDS} from '../../../src/lib/election/age.js'
import {Preferences} from '../../../src/lib/vote/preferences.js'
import {modelChoice, modelShares} from '../../helpers/preferences.js'

const CANDIDATES = [
  {candidate_id: '0b7e8a52-3c55-4f0c-9a51-0d7f8d1e2a01'},
  {candidate_id: '5f3c2d18-8e4b-4b6a-8f0e-6a1d2c3b4a02'},
  {candidate_id: 'c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e03'},
]
const REGIONS = Array.from({length: 40}, (_, i) => `Region ${i}`)
const AGES = [19, 30, 40, 50, 60, 80] // one per age band
const voterId = (i: number) => `voter-${i.toString(16).padStart(8, '0')}`

describe('Preferences', () => {
  it('gives each (region, age) a proper cumulative distribution', () => {
    const prefs = new Preferences(CANDIDATES, 42)
    for (const region of REGIONS.slice(0, 10)) {
      for (const age of AGES) {
        const cdf = prefs.cumulative(region, age)
        assert.equal(cdf.length, CANDIDATES.length)
        for (let i = 1; i < cdf.length; i++) assert.ok(cdf[i]! > cdf[i - 1]!, `not increasing: ${cdf.join(', ')}`)
        assert.ok(cdf[0]! > 0, 'every candidate has a chance')
        assert.ok(Math.abs(cdf[cdf.length - 1]! - 1) < 1e-9, `ends at ${cdf[cdf.length - 1]}`)
      }
    }
  })

  it('is deterministic: same seed and voter, same choice, from any instance and in any order', () => {
    const a = new Preferences(CANDIDATES, 42)
    const b = new Preferences(CANDIDATES, 42)
    const voters = Array.from({length: 2000}, (_, i) => ({id: voterId(i), region: REGIONS[i % REGIONS.length]!, age: 18 + (i % 70)}))
    const forward = voters.map((v) => a.choose(v.id, v.region, v.age))
    const backward = [...voters]
      .reverse()
      .map((v) => b.choose(v.id, v.region, v.age))
      .reverse()
    assert.deepEqual(forward, backward)
    // Asking again (cached distribution) changes nothing.
    assert.deepEqual(
      voters.map((v) => a.choose(v.id, v.region, v.age)),
      forward,
    )
    for (const choice of forward) assert.ok(Number.isInteger(choice) && choice >= 0 && choice < CANDIDATES.length)
  })

  it('depends on the seed', () => {
    const a = new Preferences(CANDIDATES, 42)
    const b = new Preferences(CANDIDATES, 43)
    let differ = 0
    for (let i = 0; i < 1000; i++) if (a.choose(voterId(i), 'Region 1', 40) !== b.choose(voterId(i), 'Region 1', 40)) differ++
    assert.ok(differ > 50, `only ${differ} of 1000 choices changed with the seed`)
    assert.notDeepEqual(a.cumulative('Region 1', 40), b.cumulative('Region 1', 40))
  })

  it('is not uniform: shares differ between candidates, between regions and between age bands', () => {
    const prefs = new Preferences(CANDIDATES, 42)
    const share = (cdf: number[], i: number) => cdf[i]! - (i === 0 ? 0 : cdf[i - 1]!)
    // Between regions, some candidate's share moves by at least 10 points.
    let widest = 0
    for (let c = 0; c < CANDIDATES.length; c++) {
      const shares = REGIONS.map((r) => share(prefs.cumulative(r, 40), c))
      widest = Math.max(widest, Math.max(...shares) - Math.min(...shares))
    }
    assert.ok(widest > 0.1, `regional swing is only ${(widest * 100).toFixed(1)} points`)
    // Between age bands in one region, the distribution changes too.
    const byBand = AGES.map((age) => prefs.cumulative('Region 3', age))
    assert.equal(byBand.length, AGE_BANDS.length)
    assert.ok(new Set(byBand.map((cdf) => cdf.map((p) => p.toFixed(6)).join())).size > 1, 'age makes no difference')
    // Overall, simulated shares are not all equal.
    const counts = CANDIDATES.map(() => 0)
    for (let i = 0; i < 30_000; i++) counts[prefs.choose(voterId(i), REGIONS[i % REGIONS.length]!, 18 + (i % 70))]!++
    const spread = (Math.max(...counts) - Math.min(...counts)) / 30_000
    assert.ok(spread > 0.01, `overall shares are uniform: ${counts.join(', ')}`)
  })

  it('follows its distribution: simulated choices in one cell match the cumulative probabilities', () => {
    const prefs = new Preferences(CANDIDATES, 7)
    const cdf = prefs.cumulative('Somewhere', 33)
    const n = 20_000
    const counts = CANDIDATES.map(() => 0)
    for (let i = 0; i < n; i++) counts[prefs.choose(voterId(i), 'Somewhere', 33)]!++
    counts.forEach((count, i) => {
      const expected = cdf[i]! - (i === 0 ? 0 : cdf[i - 1]!)
      assert.ok(Math.abs(count / n - expected) < 0.02, `candidate ${i}: ${(count / n).toFixed(3)} vs ${expected.toFixed(3)}`)
    })
  })

  it('is the model as described (written out independently in test/helpers/preferences.ts), at every age band edge', () => {
    const ids = CANDIDATES.map((c) => c.candidate_id)
    for (const seed of [42, 8]) {
      const prefs = new Preferences(CANDIDATES, seed)
      for (const region of REGIONS.slice(0, 10)) {
        for (const age of [18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 99]) {
          const cdf = prefs.cumulative(region, age)
          const shares = modelShares(ids, seed, region, age)
          cdf.forEach((p, i) =>
            assert.ok(
              Math.abs(p - (i === 0 ? 0 : cdf[i - 1]!) - shares[i]!) < 1e-12,
              `seed ${seed}, ${region}, age ${age}: ${cdf.join(', ')} vs shares ${shares.join(', ')}`,
            ),
          )
        }
      }
      for (let i = 0; i < 2000; i++) {
        const [region, age] = [REGIONS[i % REGIONS.length]!, 18 + (i % 70)]
        assert.equal(prefs.choose(voterId(i), region, age), modelChoice(ids, seed, voterId(i), region, age), `voter ${i}`)
      }
    }
  })

  it('always chooses the only candidate when there is one', () => {
    const prefs = new Preferences(CANDIDATES.slice(0, 1), 42)
    for (let i = 0; i < 100; i++) assert.equal(prefs.choose(voterId(i), REGIONS[i % 5]!, 20 + i), 0)
  })

  describe('with swing', () => {
    const ids = CANDIDATES.map((c) => c.candidate_id)

    it('chooses as the model written out independently does, at any offset; at offset 0 as without swing', () => {
      const swinging = new Preferences(CANDIDATES, 42, true)
      const still = new Preferences(CANDIDATES, 42)
      for (let i = 0; i < 3000; i++) {
        const [region, age, offset] = [REGIONS[i % REGIONS.length]!, 18 + (i % 70), i * 17]
        assert.equal(swinging.choose(voterId(i), region, age, offset), modelChoice(ids, 42, voterId(i), region, age, offset), `voter ${i}`)
        assert.equal(swinging.choose(voterId(i), region, age, 0), still.choose(voterId(i), region, age), `voter ${i} at offset 0`)
      }
    })

    it('leaves the choices alone without swing, whatever the offset', () => {
      const still = new Preferences(CANDIDATES, 42)
      for (let i = 0; i < 500; i++)
        assert.equal(still.choose(voterId(i), 'Region 1', 40, i * 101), still.choose(voterId(i), 'Region 1', 40))
    })

    it('moves the race: the national leader changes over 25,000 offsets (a five-minute demo per partition)', () => {
      const prefs = new Preferences(CANDIDATES, 42, true)
      const leaders: number[] = []
      for (let offset = 0; offset <= 25_000; offset += 1000) {
        const counts = CANDIDATES.map(() => 0)
        for (let i = 0; i < 2000; i++) counts[prefs.choose(voterId(offset + i), REGIONS[i % REGIONS.length]!, 18 + (i % 70), offset)]!++
        leaders.push(counts.indexOf(Math.max(...counts)))
      }
      const changes = leaders.filter((l, i) => i > 0 && l !== leaders[i - 1]).length
      assert.ok(changes >= 1, `the leader never changed: ${leaders.join(' ')}`)
      assert.ok(changes < leaders.length / 2, `the lead flips nearly every sample (noise, not a tide): ${leaders.join(' ')}`)
    })
  })
})
