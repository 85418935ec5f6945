/**
 * Pipeline health from the aggregate records themselves. Both windows work on Kafka
 * record timestamps, not arrival time, so replaying a topic from the beginning does
 * not look like a burst of millions of votes per second.
 */

export class RateWindow {
  private samples: Array<{ts: number; delta: number}> = []
  private firstSeen: number | null = null

  constructor(readonly windowMs = 10_000) {}

  /**
   * Votes one record added at record time `ts`: its total minus the previous total for
   * its key. A key's first record is only a baseline (delta 0): it holds every vote
   * before we started watching, and counting it would show a burst at startup.
   */
  add(ts: number, delta: number): void {
    if (!Number.isFinite(ts)) return
    this.firstSeen ??= ts
    if (delta > 0) this.samples.push({ts, delta})
    if (this.samples.length > 100_000) this.samples.splice(0, this.samples.length - 100_000)
  }

  /** Votes per second over the window ending at `now`; null until a second has been watched. */
  rate(now: number): number | null {
    if (this.firstSeen === null) return null
    const from = now - this.windowMs
    let drop = 0
    while (drop < this.samples.length && this.samples[drop]!.ts <= from) drop++
    if (drop > 0) this.samples.splice(0, drop)
    // Watched for less than the window: divide by what we watched, not by the window.
    const span = Math.min(this.windowMs, now - this.firstSeen)
    if (span < 1000) return null
    let votes = 0
    for (const sample of this.samples) if (sample.ts <= now) votes += sample.delta
    return votes / (span / 1000)
  }
}

export class LatencyWindow {
  private samples: Array<{ts: number; latency: number}> = []
  latest: number | null = null

  /** Window relative to the newest record, so a finished election still shows its p99. */
  constructor(
    readonly windowMs = 60_000,
    readonly max = 5000,
  ) {}

  add(recordTs: number, votingTime: string | null): void {
    if (!votingTime) return
    const latency = recordTs - Date.parse(votingTime)
    if (!Number.isFinite(latency)) return
    this.latest = latency
    this.samples.push({ts: recordTs, latency})
    const cutoff = recordTs - this.windowMs
    let drop = 0
    while (drop < this.samples.length && this.samples[drop]!.ts < cutoff) drop++
    drop = Math.max(drop, this.samples.length - this.max)
    if (drop > 0) this.samples.splice(0, drop)
  }

  p99(): number | null {
    return percentile(
      this.samples.map((s) => s.latency),
      99,
    )
  }
}

/** Nearest-rank percentile; null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/**
 * Lag of a group on one topic: end offset minus committed offset per partition. A
 * partition the group never committed counts from the low watermark.
 */
export function consumerLag(
  committed: Array<{partition: number; offset: string}>,
  ends: Array<{partition: number; high: string; low: string}>,
): number {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]))
  let lag = 0
  for (const end of ends) {
    const high = Number(end.high)
    const at = byPartition.get(end.partition)
    const from = at === undefined || at < 0 ? Number(end.low) : at
    lag += Math.max(0, high - from)
  }
  return lag
}
