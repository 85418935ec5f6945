import assert from 'node:assert/strict'

import type {KafkaMessage} from 'kafkajs'

import {ballotsOf} from '../../../src/lib/vote/ballots.js'

let offset = 0
const record = (value: unknown): KafkaMessage =>
  ({
    key: null,
    value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: String(offset++),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }) as KafkaMessage
const voter = (id: string, state = 'Kent', age = 30) => ({
  voter_id: id,
  voter_name: `Voter ${id}`,
  gender: 'female',
  registered_age: age,
  address: {state},
})

describe('ballotsOf', () => {
  const TIME = '2026-01-01T00:00:00.000Z'

  it("casts one ballot per voter, with the chooser's candidate and the given time; the chooser sees each record's offset", () => {
    const seen: unknown[] = []
    offset = 41
    const {ballots, rejected} = ballotsOf(
      [record(voter('a', 'Kent', 20)), record(voter('b', 'Fife', 70))],
      (v) => (seen.push(v), `c-${v.voter_id}`),
      TIME,
    )
    assert.deepEqual(rejected, [])
    assert.deepEqual(
      ballots.map((b) => b.ballot),
      [
        {voter_id: 'a', candidate_id: 'c-a', voting_time: TIME},
        {voter_id: 'b', candidate_id: 'c-b', voting_time: TIME},
      ],
    )
    assert.deepEqual(seen, [
      {voter_id: 'a', state: 'Kent', age: 20, offset: 41},
      {voter_id: 'b', state: 'Fife', age: 70, offset: 42},
    ])
  })

  it('gives a voter seen twice in one chunk one ballot', () => {
    const {ballots} = ballotsOf([record(voter('a')), record(voter('a'))], () => 'c', TIME)
    assert.equal(ballots.length, 1)
  })

  it('rejects records that are no voters, each with its reason, and keeps the rest', () => {
    const bad = [
      record(null),
      record('{not json'),
      record({...voter('x'), registered_age: 'old'}),
      record({...voter(''), address: {state: 'a\u0000b'}}),
    ]
    const {ballots, rejected} = ballotsOf([...bad, record(voter('ok'))], () => 'c', TIME)
    assert.deepEqual(
      ballots.map((b) => b.ballot.voter_id),
      ['ok'],
    )
    assert.deepEqual(
      rejected.map((r) => r.category),
      ['empty_value', 'invalid_json', 'invalid_field', 'invalid_field'],
    )
    assert.deepEqual(
      rejected.map((r) => r.offset),
      bad.map((m) => m.offset),
    )
    assert.match(rejected[2]!.reason, /^invalid field registered_age: /)
    assert.match(rejected[3]!.reason, /^invalid field voter_id: /, 'the first problem, in field order')
  })
})
