import assert from 'node:assert/strict'

import {dimensionKey} from '../../../src/lib/aggregate/store.js'
import {AGE_BANDS, ageBand} from '../../../src/lib/election/age.js'
import {DIMENSIONS, locationCandidateKey, splitLocationCandidateKey} from '../../../src/lib/election/totals.js'

describe('the keys a counted vote adds one to', () => {
  it('puts each age in the band its label names, both edges included', () => {
    for (const band of AGE_BANDS) {
      const [low, high] = band.endsWith('+') ? [Number(band.slice(0, -1)), 150] : band.split('-').map(Number)
      for (const age of [low!, high!]) assert.equal(ageBand(age), band, `age ${age}`)
    }
  })

  it('a region-candidate key splits back into its region and candidate, even when the region name holds a "|"', () => {
    for (const state of ['Kent', 'North|South', '', 'Île-de-France'])
      assert.deepEqual(splitLocationCandidateKey(locationCandidateKey(state, 'c0a1b2c3-aaaa-4bbb-8ccc-000000000001')), {
        state,
        candidate_id: 'c0a1b2c3-aaaa-4bbb-8ccc-000000000001',
      })
  })

  it('a dimension key keeps dimension and key apart, whatever the key holds', () => {
    const keys = ['Kent', 'a b', 'x:y', 'location', '', 'Île-de-France']
    const all = DIMENSIONS.flatMap((d) => keys.map((k) => dimensionKey(d, k)))
    assert.equal(new Set(all).size, all.length, 'no two (dimension, key) pairs share a dimension key')
    for (const d of DIMENSIONS) for (const k of keys) assert.deepEqual(dimensionKey(d, k).split('\u001f'), [d, k])
  })
})
