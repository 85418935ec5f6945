import {render} from 'ink'

import type {Settings} from '../config/settings.js'
import {createPool} from '../db/pool.js'
import {assertSchema} from '../db/schema.js'
import {ElectionError} from '../errors.js'
import {createKafka} from '../kafka/client.js'
import type {TopicNames} from '../kafka/topics.js'
import {DashboardFeed} from './feed.js'
import type {Snapshot} from './types.js'
import {LiveDashboard, PUSH_POLL_MS} from './ui/Live.js'

export interface LiveOptions {
  settings: Settings
  topics: TopicNames
  namespace: string
  intervalSec: number
  /** Aborting it quits, like the q key. */
  signal?: AbortSignal
  /** Handed a reader of the live snapshot once the feed exists (the metrics endpoint reads it). */
  onSnapshots?: (latest: () => Snapshot) => void
}

/**
 * Runs the Ink dashboard on the TTY until q, Ctrl+C or SIGTERM, then disconnects the
 * consumer and ends the pool. Unreachable services are shown and retried, not fatal;
 * missing tables are, since nothing will ever appear until `election init-db` runs.
 */
export async function runLive({settings, topics, namespace, intervalSec, signal, onSnapshots}: LiveOptions): Promise<void> {
  const pool = createPool(settings.postgres, 2)
  try {
    await assertSchema(pool)
  } catch (error) {
    if (error instanceof ElectionError) {
      await pool.end().catch(() => {})
      throw error
    }
  }
  // Few retries per attempt: the feed's own loops retry forever and report each failure.
  const kafka = createKafka(settings.kafka, {connectionTimeout: 3000, retries: 2})
  const feed = new DashboardFeed({kafka, pool, topics, namespace, pollMs: intervalSec === 0 ? PUSH_POLL_MS : intervalSec * 1000})
  onSnapshots?.(() => feed.snapshot())
  const quit = new AbortController()
  const onQuit = () => quit.abort()
  signal?.addEventListener('abort', onQuit, {once: true})
  process.once('SIGINT', onQuit)
  process.once('SIGTERM', onQuit)
  feed.start()
  const app = render(<LiveDashboard source={feed} initialInterval={intervalSec} onQuit={onQuit} />, {
    stdout: process.stdout,
    exitOnCtrlC: false, // Ctrl+C arrives as a key and quits through onQuit, so cleanup always runs
    patchConsole: false,
    // Only the lines that changed are written (patches/ink+6.8.0.patch makes Ink 6.8's
    // incremental output draw right; test/lib/dashboard/terminal-drawing.unit.test.ts).
    incrementalRendering: true,
  })
  try {
    if (!quit.signal.aborted) await new Promise((resolve) => quit.signal.addEventListener('abort', resolve, {once: true}))
  } finally {
    process.off('SIGINT', onQuit)
    process.off('SIGTERM', onQuit)
    app.unmount()
    await app.waitUntilExit().catch(() => {})
    await feed.stop()
    await pool.end().catch(() => {})
  }
}
