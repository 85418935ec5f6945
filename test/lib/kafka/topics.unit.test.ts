import assert from 'node:assert/strict'

import {MAX_NAMESPACE_LENGTH, namespace, topicNames} from '../../../src/lib/kafka/topics.js'

describe('the namespace (--namespace, ELECTION_NAMESPACE)', () => {
  it('prefixes every topic and group', () => {
    const names = topicNames({ELECTION_NAMESPACE: 'staging.'})
    assert.equal(names.votes, 'staging.votes_topic')
    assert.equal(names.aggregates.candidate, 'staging.aggregated_votes_per_candidate')
    assert.equal(names.groups.vote, 'staging.voting-group')
    assert.equal(namespace(), '')
    assert.equal(namespace(''), '')
  })

  it('refuses characters Kafka does not allow in a topic name, naming them', () => {
    for (const [ns, shown] of [
      ['a b', '" "'],
      ['bad/ns!', '"/" "!"'],
      ['é.', '"é"'],
    ] as const) {
      assert.throws(
        () => topicNames({ELECTION_NAMESPACE: ns}),
        {name: 'ElectionUsageError', message: new RegExp(`^--namespace \\(ELECTION_NAMESPACE\\) has characters .*: ${shown}$`)},
        ns,
      )
    }
    assert.equal(namespace('Team-1_a.b.'), 'Team-1_a.b.')
  })

  it('refuses a namespace too long for the longest topic name (249 characters in all)', () => {
    assert.equal(MAX_NAMESPACE_LENGTH, 249 - 'aggregated_votes_per_location_candidate'.length)
    const longest = 'n'.repeat(MAX_NAMESPACE_LENGTH)
    assert.ok(Object.values(topicNames({ELECTION_NAMESPACE: longest}).aggregates).every((t) => t.length <= 249))
    assert.throws(() => namespace(`${longest}n`), {
      name: 'ElectionUsageError',
      message: new RegExp(`ELECTION_NAMESPACE\\) is ${MAX_NAMESPACE_LENGTH + 1} characters long; at most ${MAX_NAMESPACE_LENGTH} fit`),
    })
  })
})
