/**
 * Time as the code sees it: a monotonic `now()` in milliseconds and timers. The system
 * clock in production; tests pass a fake one they move by hand, so they assert what the
 * code does at a given time instead of how many milliseconds a busy machine took.
 */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(timer: unknown): void
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(timer: unknown): void
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout | undefined),
}
