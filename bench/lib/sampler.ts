import {machineBusy} from './cpu.js'

/** Polls a counter (e.g. a consumer group's committed offsets) and derives rates from the samples. */
export interface Sample {
  t: number
  v: number
  /** The machine's busy CPU seconds when the sample was taken (see cpu.ts), where /proc tells. */
  busy?: number
}

export class Sampler {
  readonly samples: Sample[] = []
  private timer?: NodeJS.Timeout
  private pending: Promise<void> = Promise.resolve()

  constructor(
    private readonly read: () => Promise<number>,
    private readonly everyMs: number,
    private readonly onSample?: (s: Sample) => void,
  ) {}

  async start(): Promise<void> {
    await this.take()
    this.timer = setInterval(() => void (this.pending = this.pending.then(() => this.take())), this.everyMs)
  }

  async stop(): Promise<Sample[]> {
    clearInterval(this.timer)
    await this.pending
    await this.take()
    return this.samples
  }

  private async take(): Promise<void> {
    try {
      const v = await this.read()
      const sample = {t: performance.now(), v, busy: machineBusy()}
      this.samples.push(sample)
      this.onSample?.(sample)
    } catch {
      // a missed sample only widens the window
    }
  }
}

export interface RateStats {
  /** Units counted between the first and the last change. */
  count: number
  activeSeconds: number
  mean: number
  /** Slowest and fastest rate over any window of `windowMs` inside the active span (null when shorter). */
  worstWindow: number | null
  bestWindow: number | null
  /** The machine's busy CPU seconds over the active span, where the samples carry it. */
  busySeconds?: number
}

/**
 * The active span runs from the first sample that moved off the starting value to the
 * first sample holding the final value: start-up before it and an idle tail after it
 * (e.g. --exit-when-idle) are excluded.
 */
export function rateStats(samples: Sample[], windowMs = 1000): RateStats | undefined {
  const start = samples[0]
  const end = samples[samples.length - 1]
  if (!start || !end || end.v <= start.v) return undefined
  const f = samples.findIndex((s) => s.v > start.v)
  const l = samples.findIndex((s) => s.v === end.v)
  // One jump only: fall back to the sample just before it.
  const a = l > f ? f : f - 1
  const first = samples[a]!
  const last = samples[l]!
  const activeSeconds = (last.t - first.t) / 1000
  let worst: number | null = null
  let best: number | null = null
  for (let i = a, j = a; i <= l; i++) {
    while (j <= l && samples[j]!.t - samples[i]!.t < windowMs) j++
    if (j > l) break
    const rate = ((samples[j]!.v - samples[i]!.v) / (samples[j]!.t - samples[i]!.t)) * 1000
    worst = worst === null ? rate : Math.min(worst, rate)
    best = best === null ? rate : Math.max(best, rate)
  }
  const round = (x: number | null) => (x === null ? null : Math.round(x))
  return {
    count: last.v - first.v,
    activeSeconds,
    mean: Math.round((last.v - first.v) / Math.max(activeSeconds, 0.001)),
    worstWindow: round(worst),
    bestWindow: round(best),
    busySeconds: first.busy !== undefined && last.busy !== undefined ? last.busy - first.busy : undefined,
  }
}
