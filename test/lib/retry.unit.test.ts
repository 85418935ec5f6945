import assert from 'node:assert/strict'

import {isRetriable, retry} from '../../src/lib/retry.js'

const kafkaError = (name: string, retriable: boolean) => Object.assign(new Error(name), {name, retriable})
const postgresError = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), {code})

/** Fails with the given errors in turn, then returns the number of calls. */
function failing(...errors: unknown[]) {
  let calls = 0
  const work = async () => {
    calls++
    if (calls <= errors.length) throw errors[calls - 1]
    return calls
  }
  return {work, calls: () => calls}
}

describe('retry policy', () => {
  it('retries what says it is retriable, and Postgres outages', () => {
    assert.equal(isRetriable(kafkaError('KafkaJSConnectionError', true)), true)
    assert.equal(isRetriable(kafkaError('KafkaJSProtocolError', false)), false)
    assert.equal(isRetriable(kafkaError('KafkaJSNumberOfRetriesExceeded', false)), true, 'kafkajs gave up; we try again later')
    assert.equal(isRetriable(postgresError('57P01')), true, 'admin shutdown')
    assert.equal(isRetriable(postgresError('40001')), true, 'serialization failure')
    assert.equal(isRetriable(postgresError('23505')), false, "a data error is the record's fault")
    assert.equal(isRetriable(postgresError('42P01')), false, 'a missing table is no outage')
    assert.equal(isRetriable(new TypeError('a bug')), false)
  })

  it('retries a retriable error until it succeeds', async () => {
    const {work, calls} = failing(postgresError('08006'), postgresError('08006'))
    const retries: number[] = []
    assert.equal(await retry(work, {onRetry: (_, attempt) => retries.push(attempt)}), 3)
    assert.equal(calls(), 3)
    assert.deepEqual(retries, [1, 2])
  })

  it('throws a non-retriable error at once, as it came', async () => {
    const error = postgresError('23505')
    const {work, calls} = failing(error)
    await assert.rejects(retry(work), (e) => e === error)
    assert.equal(calls(), 1)
  })

  it('gives up after its attempts, and an enclosing retry does not retry that error again', async () => {
    const error = postgresError('08006')
    let inner = 0
    const outer = failing()
    await assert.rejects(
      retry(
        async () => {
          await outer.work()
          return retry(
            async () => {
              inner++
              throw error
            },
            {attempts: 2},
          )
        },
        {attempts: 5},
      ),
      (e) => e === error,
    )
    assert.equal(inner, 2)
    assert.equal(outer.calls(), 1)
  })

  it('stops retrying once aborted', async () => {
    const stop = new AbortController()
    const error = kafkaError('KafkaJSConnectionError', true)
    let calls = 0
    await assert.rejects(
      retry(
        async () => {
          calls++
          if (calls === 2) stop.abort()
          throw error
        },
        {signal: stop.signal},
      ),
      (e) => e === error,
    )
    assert.equal(calls, 2)
  })

  it('takes a narrower classification where a retry would not be idempotent', async () => {
    const error = kafkaError('KafkaJSConnectionError', true)
    const {work, calls} = failing(error)
    await assert.rejects(retry(work, {retriable: () => false}), (e) => e === error)
    assert.equal(calls(), 1)
  })
})
