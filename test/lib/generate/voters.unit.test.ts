import assert from 'node:assert/strict'

import type {Voter} from '../../../src/lib/election/voters.js'
import {VoterFactory} from '../../../src/lib/generate/voters.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const REFERENCE_DAY = Date.UTC(2026, 0, 1)

describe('VoterFactory', () => {
  const gb = new VoterFactory(42, 'en_GB')

  it('is deterministic: the same index gives the same voter, whatever the order or the instance', () => {
    const forward = Array.from({length: 300}, (_, i) => gb.voter(i))
    const other = new VoterFactory(42, 'en_GB')
    const backward = Array.from({length: 300}, (_, i) => other.voter(299 - i)).reverse()
    assert.deepEqual(backward, forward)
    // Skipping ahead (another batch size, a resumed run) gives the same voter too.
    assert.deepEqual(new VoterFactory(42, 'en_GB').voter(250), forward[250])
    assert.deepEqual(gb.voter(17), forward[17])
  })

  it('depends on the seed and the index', () => {
    const other = new VoterFactory(43, 'en_GB')
    assert.notDeepEqual(other.voter(0), gb.voter(0))
    assert.notEqual(other.voter(5).voter_id, gb.voter(5).voter_id)
    assert.notDeepEqual(gb.voter(1), gb.voter(0))
  })

  it('gives unique voter ids', () => {
    const ids = new Set(Array.from({length: 20_000}, (_, i) => gb.voter(i).voter_id))
    assert.equal(ids.size, 20_000)
  })

  it('gives ids that sort in the order of their index, as text and across seeds', () => {
    // Postgres then inserts and looks them up near one end of each index, not all over it (bench/README.md, "Time-ordered voter ids").
    const indexes = [0, 1, 2, 255, 256, 4095, 4096, 65_535, 65_536, 999_999, 1_000_000, 2 ** 32, 2 ** 40]
    const ids = indexes.map((i) => gb.voter(i).voter_id)
    assert.deepEqual([...ids].sort(), ids)
    const other = new VoterFactory(7, 'en_GB')
    assert.ok(other.voter(10).voter_id > gb.voter(9).voter_id && other.voter(10).voter_id < gb.voter(11).voter_id)
  })

  it('fills every field in the reference shape', () => {
    const keys = [
      'voter_id',
      'voter_name',
      'date_of_birth',
      'gender',
      'nationality',
      'registration_number',
      'address',
      'email',
      'phone_number',
      'cell_number',
      'picture',
      'registered_age',
    ]
    for (let i = 0; i < 500; i++) {
      const v: Voter = gb.voter(i)
      assert.deepEqual(Object.keys(v).sort(), [...keys].sort())
      assert.deepEqual(Object.keys(v.address).sort(), ['city', 'country', 'postcode', 'state', 'street'])
      assert.match(v.voter_id, UUID_V7)
      assert.match(v.voter_name, /^\S.* \S+$/)
      assert.ok(['male', 'female'].includes(v.gender), v.gender)
      assert.equal(v.nationality, 'GB')
      assert.match(v.registration_number, /^GB\d{9}$/)
      assert.match(v.date_of_birth, /^\d{4}-\d{2}-\d{2}$/)
      assert.ok(!Number.isNaN(Date.parse(v.date_of_birth)), v.date_of_birth)
      assert.ok(Number.isInteger(v.registered_age) && v.registered_age >= 18 && v.registered_age <= 90, `age ${v.registered_age}`)
      // The age is the age on the reference day, so it agrees with the date of birth.
      const years = (REFERENCE_DAY - Date.parse(v.date_of_birth)) / (365.25 * 86_400_000)
      assert.ok(
        Math.floor(years) === v.registered_age || Math.abs(years - v.registered_age) < 1.01,
        `born ${v.date_of_birth}, age ${v.registered_age}`,
      )
      for (const field of ['street', 'city', 'state', 'country', 'postcode'] as const)
        assert.ok(v.address[field].trim().length > 0, `empty address.${field}`)
      assert.match(v.address.street, /^\d+ \S/)
      assert.ok(gb.regions.includes(v.address.state), `${v.address.state} is not one of the factory's regions`)
      assert.match(v.email, /^[a-z.]+\d*@[a-z.]+$/)
      assert.match(v.phone_number, /^0\d{3} \d{3} \d{4}$/)
      assert.match(v.cell_number, /^07\d{3} \d{6}$/)
      assert.match(v.picture, new RegExp(`^https://randomuser\\.me/api/portraits/${v.gender === 'male' ? 'men' : 'women'}/\\d{1,2}\\.jpg$`))
    }
  })

  it('spreads voters over regions, genders and ages', () => {
    const voters = Array.from({length: 5000}, (_, i) => gb.voter(i))
    const regions = new Set(voters.map((v) => v.address.state))
    assert.ok(gb.regions.length >= 10, `only ${gb.regions.length} regions`)
    assert.ok(regions.size >= Math.min(gb.regions.length, 10), `voters live in only ${regions.size} regions`)
    const males = voters.filter((v) => v.gender === 'male').length
    assert.ok(males > 2200 && males < 2800, `${males} of 5000 are male`)
    const ages = voters.map((v) => v.registered_age)
    assert.ok(Math.min(...ages) < 25 && Math.max(...ages) >= 65, `ages ${Math.min(...ages)}-${Math.max(...ages)}`)
  })

  it('sorts its regions and uses the locale: en_US voters live in US states', () => {
    assert.deepEqual([...gb.regions], [...gb.regions].sort())
    const us = new VoterFactory(7, 'en_US')
    const v = us.voter(0)
    assert.equal(v.nationality, 'US')
    assert.match(v.registration_number, /^US\d{9}$/)
    assert.ok(us.regions.includes(v.address.state))
    assert.ok(us.regions.length > 20 && us.regions.length <= 60, `${us.regions.length} US states`)
  })

  it('rejects an unknown locale with a usage error', () => {
    assert.throws(
      () => new VoterFactory(1, 'xx_YY'),
      (error: Error & {exitCode?: number}) => /unknown locale "xx_YY"/.test(error.message) && error.exitCode === 2,
    )
  })
})
