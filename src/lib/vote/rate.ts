import {systemClock, type Clock} from '../clock.js'

/**
 * A token bucket: `take(n)` resolves when n votes may go out. Tokens accrue
 * continuously at `rate` per second up to `burst`, so the long-run rate is exact
 * and short stalls are made up only within one burst. They accrue from the first
 * `take`: the seconds `vote` spends joining its group and starting its producers
 * are not a stall, and made up they cast a burst of up to a second of votes at once,
 * whose queue behind the first transactions was the worst latency of a run.
 */
export class TokenBucket {
  private tokens = 0
  /** When tokens were last added; none before the first take. */
  private last: number | undefined

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {}

  private refill() {
    const now = this.clock.now()
    if (this.last !== undefined) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill()
      if (this.tokens >= n || (n > this.burst && this.tokens >= this.burst)) {
        this.tokens -= n
        return
      }
      if (signal?.aborted) return
      const wait = ((Math.min(n, this.burst) - this.tokens) / this.rate) * 1000
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, Math.max(1, Math.min(wait, 100))))
    }
  }
}

/**
 * Votes per chunk (one Kafka transaction): small at low rates so the rate is smooth,
 * large when unlimited for throughput. Votes keep the voter's key, so a chunk lands in
 * one partition as one record batch: 1,000 votes (~0.8 MB) stay under the broker's
 * default 1 MB message limit even on topics that init-db did not create.
 */
export const MAX_CHUNK = 1000

/**
 * A rated chunk holds this many milliseconds of votes. Its votes are cast together, so the whole
 * chunk's Postgres statement and transaction stand between each vote and its publication: 50 ms
 * against 100, alternating 20 s runs beside `aggregate`, p50 49-51 -> 31-33 ms and p99 86-98 -> 83-91 ms
 * at 5,000 votes/s, p50 26 -> 19-20 ms and p99 65-66 -> 42-45 ms at 1,000/s. At 25 ms the transactions'
 * fixed cost took over (p99 120-152 ms at 5,000/s). bench/README.md, "Chunks of 50 ms".
 */
export const CHUNK_MS = 50

export function chunkSizeFor(rate: number | undefined): number {
  if (!rate) return MAX_CHUNK
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor((rate * CHUNK_MS) / 1000)))
}
