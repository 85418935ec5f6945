import assert from 'node:assert/strict'

import {voterSchema} from '../../../src/lib/election/voters.js'
import {voteSchema} from '../../../src/lib/election/votes.js'
import {decode} from '../../../src/lib/kafka/messages.js'

const voter = {
  voter_id: 'v1',
  voter_name: 'Ann Smith',
  gender: 'female',
  registered_age: 40,
  address: {state: 'Kent', city: 'Dover'},
  email: 'ann@example.com',
}
const vote = {
  voter_id: 'v1',
  candidate_id: 'c1',
  gender: 'female',
  registered_age: 40,
  voting_time: '2026-01-01T10:00:00.000Z',
  vote: 1,
  address: {state: 'Kent'},
}
const buf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))

/** Decodes and expects a rejection; returns it. */
function rejected(schema: Parameters<typeof decode>[0], value: Buffer | null) {
  const result = decode(schema, value)
  assert.equal(result.ok, false, `accepted ${value?.toString()}`)
  return result as Extract<typeof result, {ok: false}>
}

describe('decode', () => {
  it('accepts a well-formed record and returns the validated fields', () => {
    const result = decode(voterSchema, buf(voter))
    assert.ok(result.ok)
    assert.equal(result.value.voter_id, 'v1')
    assert.equal(result.value.address.state, 'Kent')
    assert.equal(result.value.registered_age, 40)
    assert.ok(decode(voteSchema, buf(vote)).ok)
    assert.ok(decode(voteSchema, buf({...vote, voting_time: '2026-01-01T10:00:00+02:00'})).ok, 'a time with an offset')
    const utf8 = decode(voterSchema, buf({...voter, voter_name: 'Zoë Ōkubo'}))
    assert.ok(utf8.ok && utf8.value.voter_name === 'Zoë Ōkubo', 'UTF-8')
  })

  it('an empty value and a value that is not JSON are their own categories', () => {
    assert.deepEqual(rejected(voterSchema, null), {ok: false, reason: 'empty value', category: 'empty_value'})
    assert.deepEqual(rejected(voterSchema, buf('this is {not JSON')), {ok: false, reason: 'value is not JSON', category: 'invalid_json'})
  })

  it('names the first invalid field by its path', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{...voter, address: {}}, /^invalid field address\.state: /],
      [{...voter, voter_id: ''}, /^invalid field voter_id: /],
      [{...voter, registered_age: 151}, /^invalid field registered_age: /],
      [{...voter, registered_age: 40.5}, /^invalid field registered_age: /],
      [{...voter, registered_age: '40'}, /^invalid field registered_age: /],
      [{...voter, gender: 'x'.repeat(256)}, /^invalid field gender: /],
      [{...voter, voter_name: 'nul\u0000byte'}, /^invalid field voter_name: contains a NUL character/],
      [42, /^invalid field \(root\): /],
    ]
    for (const [value, reason] of cases) {
      const r = rejected(voterSchema, buf(value))
      assert.equal(r.category, 'invalid_field', JSON.stringify(value).slice(0, 80))
      assert.match(r.reason, reason)
    }
  })

  it('a vote must be one vote at a real time', () => {
    assert.match(rejected(voteSchema, buf({...vote, vote: 2})).reason, /^invalid field vote: /)
    assert.match(rejected(voteSchema, buf({...vote, voting_time: 'yesterday'})).reason, /^invalid field voting_time: /)
    assert.match(rejected(voteSchema, buf({...vote, candidate_id: undefined})).reason, /^invalid field candidate_id: /)
  })

  it('the edges of the limits are accepted', () => {
    assert.ok(decode(voterSchema, buf({...voter, gender: 'x'.repeat(255), registered_age: 150})).ok)
    assert.ok(decode(voterSchema, buf({...voter, registered_age: 0})).ok)
  })
})
