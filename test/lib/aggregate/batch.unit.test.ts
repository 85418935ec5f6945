import assert from 'node:assert/strict'

import type {KafkaMessage} from 'kafkajs'

import {claimsOf, quickVote, sortOutcomes} from '../../../src/lib/aggregate/batch.js'
import {voteSchema} from '../../../src/lib/election/votes.js'
import type {Rejected} from '../../../src/lib/kafka/messages.js'

let offset = 0
const record = (value: unknown): KafkaMessage =>
  ({
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: String(offset++),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }) as KafkaMessage
const vote = (voter: string, candidate: string) => ({
  voter_id: voter,
  candidate_id: candidate,
  gender: 'male',
  registered_age: 40,
  voting_time: '2026-01-01T00:00:00.000Z',
  vote: 1,
  address: {state: 'Kent'},
})

describe('aggregate batch', () => {
  it('claims what each vote record says, and rejects records that are no votes', () => {
    const {claims, rejected} = claimsOf([record(vote('a', 'c1')), record('nope'), record({...vote('b', 'c2'), vote: 2})])
    assert.deepEqual(
      claims.map((c) => c.claim),
      [{voter_id: 'a', candidate_id: 'c1'}],
    )
    assert.deepEqual(
      claims.map((c) => c.voting_time),
      ['2026-01-01T00:00:00.000Z'],
    )
    assert.deepEqual(
      rejected.map((r) => r.category),
      ['invalid_json', 'invalid_field'],
    )
    assert.match(rejected[1]!.reason, /^invalid field vote: /)
  })

  it('sorts outcomes into counted claims, duplicates and refused records', () => {
    const claimed = (message: KafkaMessage) => ({
      claim: {voter_id: 'a', candidate_id: 'c1'},
      message,
      voting_time: '2026-01-01T00:00:00.000Z',
    })
    const counted = claimed(record(vote('a', 'c1')))
    const refusedMessage = record(vote('x', 'c9'))
    const rejected: Rejected[] = []
    const sorted = sortOutcomes(
      [
        {outcome: {kind: 'counted'}, ...counted},
        {outcome: {kind: 'duplicate'}, ...claimed(record(vote('a', 'c1')))},
        {outcome: {kind: 'refused', category: 'unknown_candidate', reason: 'unknown candidate c9'}, ...claimed(refusedMessage)},
      ],
      rejected,
    )
    assert.deepEqual(sorted, {counted: [counted], duplicates: 1})
    assert.deepEqual(rejected, [
      {
        reason: 'unknown candidate c9',
        category: 'unknown_candidate',
        key: null,
        value: refusedMessage.value,
        offset: refusedMessage.offset,
      },
    ])
  })

  it('takes the quick path only for votes voteSchema accepts, and returns what voteSchema returns', () => {
    const base = {...vote('a', 'c1'), voter_name: 'extra', address: {state: 'Kent', city: 'extra'}}
    const edges: Record<string, unknown[]> = {
      voter_id: ['', 'x', 'x'.repeat(255), 'x'.repeat(256), 'a\u0000b', 7, null, undefined, ['a']],
      candidate_id: ['', 'c', 'c'.repeat(256), 'c\u0000', 1, null, undefined],
      gender: ['', 'g'.repeat(255), 'g'.repeat(256), '\u0000', 0, null, undefined],
      registered_age: [0, 150, -1, 151, 40.5, '40', NaN, 2 ** 53, null, undefined],
      voting_time: [
        '2026-01-01T00:00:00Z',
        '2026-01-01T00:00:00.1Z',
        '2026-01-01T00:00:00+02:00',
        '2026-01-01T00:00Z',
        '2026-02-30T00:00:00Z',
        '2024-02-29T00:00:00Z',
        '2026-01-01 00:00:00Z',
        '2026-01-01',
        '',
        0,
        null,
        undefined,
      ],
      vote: [1, 0, 2, '1', true, null, undefined],
      address: [{state: ''}, {state: 's'.repeat(256)}, {state: '\u0000'}, {}, {state: 3}, [], null, 'Kent', undefined],
    }
    const cases: unknown[] = [base, null, [], 'vote', 1, [base]]
    for (const [field, values] of Object.entries(edges)) for (const value of values) cases.push({...base, [field]: value})
    let quick = 0
    for (const json of cases) {
      const fast = quickVote(json)
      const parsed = voteSchema.safeParse(json)
      if (fast === undefined) continue
      quick++
      assert.ok(parsed.success, `quick path accepted what voteSchema refuses: ${JSON.stringify(json)}`)
      assert.deepEqual(fast, parsed.data)
    }
    assert.ok(quick > 10)
  })
})
