import {systemClock, type Clock} from '../clock.js'

export interface Throttle {
  /** Ask for a call: now if the last one was at least `gapMs` ago, else once at the end of the gap. */
  request(): void
  cancel(): void
}

/** Leading and trailing, so a burst of records renders at once and its last record is never dropped. */
export function throttle(fn: () => void, gapMs: number, clock: Clock = systemClock): Throttle {
  let last = -Infinity
  let timer: unknown
  const fire = () => {
    timer = undefined
    last = clock.now()
    fn()
  }
  return {
    request() {
      if (timer !== undefined) return
      const wait = last + gapMs - clock.now()
      if (wait <= 0) fire()
      else timer = clock.setTimeout(fire, wait)
    },
    cancel() {
      clock.clearTimeout(timer)
      timer = undefined
    },
  }
}
