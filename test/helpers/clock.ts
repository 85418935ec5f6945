import type {Clock} from '../../src/lib/clock.js'

interface Timer {
  id: number
  at: number
  every?: number
  fn: () => void
}

/** Lets promise continuations queued by a timer run (they may set the next timer) before time moves on. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A clock that stands still until the test moves it. `tick(ms)` advances time, firing
 * each due timer at its own time, in order, and lets the code react before the next one.
 */
export class FakeClock implements Clock {
  private time: number
  private nextId = 1
  private timers: Timer[] = []

  constructor(start = 1_000_000) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): number {
    return this.add(fn, ms)
  }

  setInterval(fn: () => void, ms: number): number {
    return this.add(fn, ms, Math.max(1, ms))
  }

  clearTimeout(timer: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== timer)
  }

  clearInterval(timer: unknown): void {
    this.clearTimeout(timer)
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length
  }

  async tick(ms: number): Promise<void> {
    const end = this.time + ms
    await settle()
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.time = due.at
      if (due.every) due.at += due.every
      else this.clearTimeout(due.id)
      due.fn()
      await settle()
    }
    this.time = end
    await settle()
  }

  private add(fn: () => void, ms: number, every?: number): number {
    const id = this.nextId++
    this.timers.push({id, at: this.time + Math.max(0, ms), every, fn})
    return id
  }
}
