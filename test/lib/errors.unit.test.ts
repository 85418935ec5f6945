import assert from 'node:assert/strict'

import {describeCause} from '../../src/lib/errors.js'

describe('describeCause', () => {
  it('spells out the reasons kafkajs keeps in an aggregate error\'s `errors` ("Topic creation errors")', () => {
    const aggregate = Object.assign(new Error('Topic creation errors'), {
      errors: [
        new Error('Replication factor: 3 larger than available brokers: 1.'),
        new Error('Replication factor: 3 larger than available brokers: 1.'),
      ],
    })
    assert.equal(describeCause(aggregate), 'Topic creation errors: Replication factor: 3 larger than available brokers: 1.')
  })

  it('takes the first error of an AggregateError, and the message of any other error', () => {
    assert.equal(describeCause(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1')])), 'connect ECONNREFUSED 127.0.0.1:1')
    assert.equal(describeCause(new TypeError('Invalid URL')), 'Invalid URL')
    assert.equal(describeCause('plain'), 'plain')
  })
})
