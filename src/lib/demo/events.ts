import {appendFileSync, readFileSync} from 'node:fs'

import type {ChaosKill} from './chaos.js'

/**
 * What `demo --chaos` tells the dashboard it runs: one JSON object a line in a file of the demo's
 * log folder, named to the dashboard by ELECTION_DEMO_EVENTS. A file, because the dashboard is a
 * child process with the terminal to itself; appended lines are never rewritten, so a reader
 * never sees a half-changed state (at most a last line still being written, which it skips).
 */
export const DEMO_EVENTS_ENV = 'ELECTION_DEMO_EVENTS'

/**
 * A live exactness check: mid-run the aggregates lag Postgres by the votes not yet counted, so
 * "exact" can only be said at the end (verify); what can be said at any moment is that no total
 * is ahead of Postgres (nothing counted twice) and how many votes are still to be counted.
 */
export interface ExactnessCheck {
  at: string
  /** Votes in Postgres. */
  votes: number
  /** Sum over every key of published minus Postgres where the aggregate is ahead: votes counted twice. */
  countedTwice: number
  /** Sum over every key of Postgres minus published where the aggregate is behind: not counted yet. */
  waiting: number
}

export type DemoEvent = ({type: 'kill'} & ChaosKill) | ({type: 'check'} & ExactnessCheck)

export function appendEvent(file: string, event: DemoEvent): void {
  appendFileSync(file, `${JSON.stringify(event)}\n`)
}

/** Every complete event in the file; none while it does not exist yet. */
export function readEvents(file: string): DemoEvent[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const events: DemoEvent[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    try {
      events.push(JSON.parse(line) as DemoEvent)
    } catch {
      // the last line, still being written
    }
  }
  return events
}

/** The check from a verify result: per key, how far the published totals are ahead of or behind Postgres. */
export function exactnessOf(
  result: {votes: number; differences: Array<{dimension: string; expected: number; published: number}>},
  at: Date,
): ExactnessCheck {
  let countedTwice = 0
  let waiting = 0
  // One dimension is enough to count votes: every vote adds one to exactly one candidate.
  for (const d of result.differences.filter((x) => x.dimension === 'candidate')) {
    if (d.published > d.expected) countedTwice += d.published - d.expected
    else waiting += d.expected - d.published
  }
  return {at: at.toISOString(), votes: result.votes, countedTwice, waiting}
}
