/**
 * Progress of a running pipeline, sampled from Postgres, to measure how long it stalls around a
 * fault. Reported, never asserted: timings on a shared machine say nothing about the code.
 */
import pg from 'pg'

import {postgresPoolConfig} from '../../src/lib/config/settings.js'
import type {TestEnv} from './services.js'

interface Sample {
  at: number
  count: number
}

export interface ProgressWatch {
  /** The longest time between `from` and `to` (epoch ms) in which the count did not grow, in ms. */
  longestStall(from: number, to?: number): number
  stop(): Promise<void>
}

/** Samples `SELECT count(*) FROM <table>` every `intervalMs` on one connection until stopped. */
export async function watchProgress(t: TestEnv, table: string, intervalMs = 250): Promise<ProgressWatch> {
  const client = new pg.Client(postgresPoolConfig(t.settings.postgres))
  await client.connect()
  const samples: Sample[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const {rows} = await client.query<{n: number}>(`SELECT count(*)::int AS n FROM ${table}`)
      samples.push({at: Date.now(), count: rows[0]!.n})
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  })()
  return {
    longestStall(from, to = Date.now()) {
      // The last growth at or before `from` starts the first interval.
      const window = samples.filter((s) => s.at <= to)
      let lastGrowth = from
      let longest = 0
      for (let i = 1; i < window.length; i++) {
        if (window[i]!.count === window[i - 1]!.count) continue
        if (window[i]!.at >= from) {
          longest = Math.max(longest, window[i]!.at - Math.max(lastGrowth, from))
        }
        lastGrowth = window[i]!.at
      }
      return Math.max(longest, to - Math.max(lastGrowth, from))
    },
    async stop() {
      stopped = true
      await loop.catch(() => {})
      await client.end().catch(() => {})
    },
  }
}
