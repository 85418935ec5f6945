import assert from 'node:assert/strict'

import type {KafkaMessage} from 'kafkajs'

import {claimsOf, sortOutcomes} from '../../../src/lib/aggregate/batch.js'
import type {Rejected} from '../../../src/lib/kafka/messages.js'

let offset = 0
const record = (value: unknown): KafkaMessage =>
  ({key: null, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), offset: String(offset++), timestamp: '0', attributes: 0, headers: {}}) as KafkaMessage
const vote = (voter: string, candidate: string) => ({voter_id: voter, candidate_id: candidate, gender: 'male', registered_age: 40, voting_time: '2026-01-01T00:00:00.000Z', vote: 1, address: {state: 'Kent'}})

describe('aggregate batch', () => {
  it('claims what each vote record says, and rejects records that are no votes', () => {
    const {claims, rejected} = claimsOf([record(vote('a', 'c1')), record('nope'), record({...vote('b', 'c2'), vote: 2})])
    assert.deepEqual(claims.map((c) => c.claim), [{voter_id: 'a', candidate_id: 'c1'}])
    assert.deepEqual(rejected.map((r) => r.category), ['invalid_json', 'invalid_field'])
    assert.match(rejected[1]!.reason, /^invalid field vote: /)
  })

  it('sorts outcomes into counted votes, duplicates and refused records', () => {
    const counted = {voter_id: 'a', candidate_id: 'c1', party_affiliation: 'P', state: 'Kent', gender: 'male', registered_age: 40, voting_time: '2026-01-01T00:00:00.000Z'}
    const refusedMessage = record(vote('x', 'c9'))
    const rejected: Rejected[] = []
    const sorted = sortOutcomes(
      [
        {outcome: {kind: 'counted', vote: counted}, message: record(vote('a', 'c1'))},
        {outcome: {kind: 'duplicate'}, message: record(vote('a', 'c1'))},
        {outcome: {kind: 'refused', category: 'unknown_candidate', reason: 'unknown candidate c9'}, message: refusedMessage},
      ],
      rejected,
    )
    assert.deepEqual(sorted, {counted: [counted], duplicates: 1})
    assert.deepEqual(rejected, [{reason: 'unknown candidate c9', category: 'unknown_candidate', key: null, value: refusedMessage.value, offset: refusedMessage.offset}])
  })
})
