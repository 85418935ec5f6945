import {failureKind} from './db/failures.js'

/**
 * The one retry policy. An error is worth another try when it says so, as kafkajs' errors do
 * (`retriable`), or, for Postgres' errors (which carry no such property), when its SQLSTATE
 * class says outage (db/failures.ts): connection loss, shutdown, serialization, deadlock.
 * kafkajs' "number of retries exceeded" is not retriable to kafkajs, which has given up, but
 * is to us: the cause was retriable and the broker may be back by the next attempt.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof Error && error.name === 'KafkaJSNumberOfRetriesExceeded') return true
  const retriable = (error as {retriable?: unknown} | null | undefined)?.retriable
  if (typeof retriable === 'boolean') return retriable
  return failureKind(error) === 'outage'
}

/** Errors one retry loop gave up on: an enclosing loop passes them on instead of retrying them again. */
const exhausted = new WeakSet<object>()

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts?: number
  /** Stop retrying once aborted (the process is asked to stop); a backoff ends early too. */
  signal?: AbortSignal
  /** Stop retrying when the work is no longer wanted (its batch went stale). */
  gone?: () => boolean
  /** Which errors are retried here; the policy's own (isRetriable) by default. */
  retriable?: (error: unknown) => boolean
  onRetry?: (error: unknown, attempt: number) => void
}

/** The backoff before attempt n + 1: 200 ms, doubling, at most 5 s. */
export const backoffMs = (attempt: number) => Math.min(200 * 2 ** (attempt - 1), 5000)

/**
 * Runs `work` until it succeeds, retrying retriable errors with backoff (30 attempts, about
 * two and a half minutes, by default). The error that ends the loop is thrown as it came.
 */
export async function retry<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 30
  const retriable = options.retriable ?? isRetriable
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const object = typeof error === 'object' && error !== null
      if (!retriable(error) || (object && exhausted.has(error)) || options.signal?.aborted || options.gone?.()) throw error
      if (attempt >= attempts) {
        if (object) exhausted.add(error)
        throw error
      }
      options.onRetry?.(error, attempt)
      await pauseFor(backoffMs(attempt), options.signal)
    }
  }
}

/** Waits, but ends early when the signal aborts: a stop never waits out a backoff. */
export function pauseFor(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
  })
}
