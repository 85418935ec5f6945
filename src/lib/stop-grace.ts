import {systemClock, type Clock} from './clock.js'

/** After this long still stopping, the user is told why and how to end it at once. */
export const STOP_HINT_AFTER_MS = 2000

export interface StopGraceHandlers {
  /** The clean stop is taking a while: say so once. */
  hint(): void
  /** End the process now: the clean stop took longer than allowed, or a second signal came. */
  force(reason: 'timeout' | 'signal'): void
}

/**
 * Bounds a long-running command's clean stop. A stop finishes the chunk in flight and leaves
 * the group, which needs Kafka and Postgres: with the broker gone for good, kafkajs retries
 * its connects and requests for minutes (`aggregate` took 94 s to end after SIGTERM). Ending
 * the process before that is as safe as `kill -9`, which every crash test covers: what was
 * not committed is consumed again by the next run.
 */
export class StopGrace {
  private timers: unknown[] = []
  private stopping = false
  private done = false

  constructor(
    private readonly graceMs: number,
    private readonly handlers: StopGraceHandlers,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The clean stop has begun (a signal, or the parent gone): the grace starts now. */
  begin(): void {
    if (this.stopping || this.done) return
    this.stopping = true
    this.timers.push(
      this.clock.setTimeout(() => !this.done && this.handlers.hint(), Math.min(STOP_HINT_AFTER_MS, this.graceMs)),
      this.clock.setTimeout(() => this.finish('timeout'), this.graceMs),
    )
  }

  /** A signal: the first begins the clean stop, a second one ends the process at once. */
  signal(): void {
    if (this.stopping) this.finish('signal')
    else this.begin()
  }

  /** The command ended on its own: nothing to force. */
  end(): void {
    this.done = true
    for (const timer of this.timers.splice(0)) this.clock.clearTimeout(timer)
  }

  private finish(reason: 'timeout' | 'signal'): void {
    if (this.done) return
    this.end()
    this.handlers.force(reason)
  }
}
