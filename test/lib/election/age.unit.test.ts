import assert from 'node:assert/strict'

import {ageBand, ageBandSql, AGE_BANDS} from '../../../src/lib/election/age.js'

describe('age bands', () => {
  it('puts each age in its band, the bounds included', () => {
    const cases: Array<[number, string]> = [
      [18, '18-24'],
      [24, '18-24'],
      [25, '25-34'],
      [34, '25-34'],
      [35, '35-44'],
      [44, '35-44'],
      [45, '45-54'],
      [54, '45-54'],
      [55, '55-64'],
      [64, '55-64'],
      [65, '65+'],
      [150, '65+'],
    ]
    for (const [age, band] of cases) assert.equal(ageBand(age), band, `age ${age}`)
  })

  it('lists the bands youngest first', () => {
    assert.deepEqual(AGE_BANDS, ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'])
  })

  it('gives verify the same bands as a SQL CASE', () => {
    assert.equal(
      ageBandSql('v.registered_age'),
      "CASE WHEN v.registered_age <= 24 THEN '18-24' WHEN v.registered_age <= 34 THEN '25-34' " +
        "WHEN v.registered_age <= 44 THEN '35-44' WHEN v.registered_age <= 54 THEN '45-54' " +
        "WHEN v.registered_age <= 64 THEN '55-64' ELSE '65+' END",
    )
  })
})
