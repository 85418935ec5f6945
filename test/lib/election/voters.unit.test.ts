import assert from 'node:assert/strict'

import {nestAddress} from '../../../src/lib/election/voters.js'

describe('nestAddress', () => {
  it('nests the address columns after every other field, keeping their order', () => {
    const row = {
      voter_id: 'v1',
      address_street: '1 High St',
      address_city: 'Leeds',
      address_state: 'Yorkshire',
      address_country: 'UK',
      address_postcode: 'LS1',
      registered_age: 30,
      candidate_id: 'c1',
      vote: 1,
    }
    const record = nestAddress(row)
    assert.deepEqual(Object.keys(record), ['voter_id', 'registered_age', 'candidate_id', 'vote', 'address'])
    assert.equal(
      JSON.stringify(record.address),
      '{"street":"1 High St","city":"Leeds","state":"Yorkshire","country":"UK","postcode":"LS1"}',
    )
  })
})
