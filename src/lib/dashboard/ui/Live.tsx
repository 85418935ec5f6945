import {useCallback, useEffect, useState} from 'react'

import {systemClock, type Clock} from '../../clock.js'
import {throttle} from '../throttle.js'
import type {Snapshot} from '../types.js'
import {Dashboard} from './Dashboard.js'

/** What the live view needs from the feed; a fake in tests. */
export interface SnapshotSource {
  snapshot(): Snapshot
  subscribe(listener: () => void): () => void
  /** Poll now; resolves when the poll's results are in the next snapshot. */
  refresh(): Promise<void>
  setPollMs(ms: number): void
}

/**
 * Push mode renders at most this often; a burst of records is one render. A frame costs Ink about
 * 10 ms at 120x40 (patched: patches/ink+6.8.0.patch), most of it re-measuring and re-tokenising the
 * lines that changed; once a second is the header's clock resolution. Every 200 ms cost 14 % of a
 * core at 5,000 votes/s against 9 % (before the patches).
 */
export const MIN_RENDER_GAP_MS = 1000
/** Counts and lag are polled this often in push mode. */
export const PUSH_POLL_MS = 2000

/**
 * Binds the feed to the screen: in push mode (interval 0) a throttled render per change,
 * otherwise a render every `interval` seconds; `r` renders and polls at once. `clock` times
 * both (a fake one in tests).
 */
export function LiveDashboard({
  source,
  initialInterval,
  onQuit,
  clock = systemClock,
}: {
  source: SnapshotSource
  initialInterval: number
  onQuit: () => void
  clock?: Clock
}) {
  const [intervalSec, setIntervalSec] = useState(initialInterval)
  const [snapshot, setSnapshot] = useState(() => source.snapshot())
  const update = useCallback(() => setSnapshot(source.snapshot()), [source])

  useEffect(() => {
    source.setPollMs(intervalSec === 0 ? PUSH_POLL_MS : intervalSec * 1000)
    if (intervalSec > 0) {
      const timer = clock.setInterval(update, intervalSec * 1000)
      return () => clock.clearInterval(timer)
    }
    const gate = throttle(update, MIN_RENDER_GAP_MS, clock)
    const unsubscribe = source.subscribe(() => gate.request())
    return () => {
      unsubscribe()
      gate.cancel()
    }
  }, [source, intervalSec, update, clock])

  const refresh = useCallback(() => {
    update()
    void source.refresh().then(update)
  }, [source, update])

  return <Dashboard snapshot={snapshot} intervalSec={intervalSec} onQuit={onQuit} onRefresh={refresh} onInterval={setIntervalSec} />
}
