export interface Throttle {
  /** Ask for a call: now if the last one was at least `gapMs` ago, else once at the end of the gap. */
  request(): void
  cancel(): void
}

/** Leading and trailing, so a burst of records renders at once and its last record is never dropped. */
export function throttle(fn: () => void, gapMs: number, clock: () => number = Date.now): Throttle {
  let last = -Infinity
  let timer: NodeJS.Timeout | undefined
  const fire = () => {
    timer = undefined
    last = clock()
    fn()
  }
  return {
    request() {
      if (timer) return
      const wait = last + gapMs - clock()
      if (wait <= 0) fire()
      else timer = setTimeout(fire, wait)
    },
    cancel() {
      clearTimeout(timer)
      timer = undefined
    },
  }
}
