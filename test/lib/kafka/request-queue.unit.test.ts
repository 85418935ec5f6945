import assert from 'node:assert/strict'
import {createRequire} from 'node:module'

/**
 * kafkajs' per-connection request queue, as patched by patches/kafkajs+2.2.4.patch
 * (tulios/kafkajs#1556): unpatched, every completed request left a check of the (empty)
 * pending queue scheduled with a negative delay, which ran at once and scheduled the next, a
 * 1 ms timer loop per connection for the life of the client. The dashboard's idle-most-of-
 * the-time consumer spent 3.4 % of a core in it, more than on the records it read.
 */
interface Queue {
  push(request: {entry: object; expectResponse: boolean; sendRequest: () => void}): void
  fulfillRequest(response: {correlationId: number; payload: Buffer; size: number}): void
  maybeThrottle(ms: number): void
  destroy(): void
  pending: unknown[]
  throttleCheckTimeoutId: unknown
}
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue

const quiet = {debug: () => {}, info: () => {}, warn: () => {}, error: () => {}}
const queue = (maxInFlightRequests: number | null = null) =>
  new RequestQueue({maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 't', broker: 'b', logger: quiet})

/** Pushes a request; resolves `sent` when the queue sends it, and `answered` when a response is fulfilled. */
function request(q: Queue, correlationId: number) {
  let markSent!: () => void
  const sent = new Promise<void>((resolve) => (markSent = resolve))
  const answered = new Promise((resolve, reject) => {
    q.push({
      entry: {correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve, reject},
      expectResponse: true,
      sendRequest: markSent,
    })
  })
  return {sent, answered, answer: () => q.fulfillRequest({correlationId, payload: Buffer.alloc(0), size: 0})}
}

describe('kafkajs request queue (patched)', () => {
  it('leaves no timer behind once nothing is pending', async () => {
    const q = queue()
    const r = request(q, 1)
    await r.sent
    r.answer()
    await r.answered
    assert.equal(q.pending.length, 0)
    assert.equal(q.throttleCheckTimeoutId, null, 'a check was scheduled with nothing to check')
  })

  it('still sends a request held back by a broker throttle once the throttle ends', async () => {
    const q = queue()
    q.maybeThrottle(20)
    const r = request(q, 1)
    assert.equal(q.pending.length, 1, 'held while throttled')
    await r.sent
    r.answer()
    await r.answered
    assert.equal(q.throttleCheckTimeoutId, null)
    q.destroy()
  })

  it('sends a request held back by the in-flight limit when the one before it completes', async () => {
    const q = queue(1)
    const first = request(q, 1)
    const second = request(q, 2)
    await first.sent
    assert.equal(q.pending.length, 1, 'the second waits for the first')
    first.answer()
    await second.sent
    second.answer()
    await Promise.all([first.answered, second.answered])
    q.destroy()
  })
})
