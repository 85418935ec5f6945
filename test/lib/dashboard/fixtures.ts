import assert from 'node:assert/strict'
import {stripVTControlCharacters} from 'node:util'

import type {render} from 'ink-testing-library'

import {DashboardState} from '../../../src/lib/dashboard/state.js'
import type {Snapshot} from '../../../src/lib/dashboard/types.js'

export const NOW = new Date('2026-05-01T12:00:00Z')
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString()

export const CANDIDATES = [
  {
    candidate_id: 'c0a1b2c3-aaaa-4bbb-8ccc-000000000001',
    candidate_name: 'Alice Able',
    party_affiliation: 'Red Party',
    photo_url: 'https://example.test/alice.jpg',
    total_votes: 300,
  },
  {
    candidate_id: 'c0a1b2c3-aaaa-4bbb-8ccc-000000000002',
    candidate_name: 'Bob Brown',
    party_affiliation: 'Blue Party',
    photo_url: null,
    total_votes: 180,
  },
  {
    candidate_id: 'c0a1b2c3-aaaa-4bbb-8ccc-000000000003',
    candidate_name: 'Cara Chen',
    party_affiliation: 'Green Party',
    photo_url: null,
    total_votes: 20,
  },
]

/** 12 states with distinct counts (alphabetical order differs from count order). */
export const STATES = [
  'Kent',
  'Avon',
  'Lancashire',
  'Bedford',
  'Dorset',
  'Cornwall',
  'Essex',
  'Hampshire',
  'Fife',
  'Gwent',
  'Isle of Wight',
  'Jersey',
]
export const STATE_COUNTS = [90, 80, 70, 60, 50, 40, 35, 30, 20, 15, 7, 3] // sum 500

/**
 * Each state's votes split between Alice and Bob: Alice takes 60 % (rounded) except in every
 * fourth state from Avon on (Avon, Cornwall, Gwent), where she takes 30 % and Bob leads.
 */
export function regionSplit(i: number): {alice: number; bob: number} {
  const alice = Math.round(STATE_COUNTS[i]! * (i % 4 === 1 ? 0.3 : 0.6))
  return {alice, bob: STATE_COUNTS[i]! - alice}
}

/** Registered voters per state: twice its votes, so every region's turnout is 50 %, except Kent's (unknown). */
export const REGISTERED = new Map(STATES.slice(1).map((s) => [s, 2 * STATE_COUNTS[STATES.indexOf(s)]!]))

/** A fixed election: 1000 voters, 500 votes, Alice leads Bob by 120. */
export function fixtureState(): DashboardState {
  const state = new DashboardState()
  const put = (kind: Parameters<DashboardState['ingest']>[0], key: string, value: object, ts = NOW.getTime() - 1000) =>
    state.ingest(kind, key, JSON.stringify(value), ts)
  // Not in rank order, so the ranking is the code's doing.
  for (const c of [CANDIDATES[2]!, CANDIDATES[0]!, CANDIDATES[1]!])
    put('candidate', c.candidate_id, {...c, last_voting_time: at(-1250), updated_at: at(-1000)})
  STATES.forEach((s, i) => put('location', s, {state: s, count: STATE_COUNTS[i], updated_at: at(-1000 * i)}))
  STATES.forEach((s, i) => {
    const {alice, bob} = regionSplit(i)
    for (const [c, total_votes] of [
      [CANDIDATES[0]!, alice],
      [CANDIDATES[1]!, bob],
    ] as const) {
      const {candidate_id, candidate_name, party_affiliation} = c
      put('location_candidate', `${s}|${candidate_id}`, {
        state: s,
        candidate_id,
        candidate_name,
        party_affiliation,
        total_votes,
        updated_at: at(0),
      })
    }
  })
  for (const [gender, count] of [
    ['male', 260],
    ['female', 230],
    ['other', 10],
  ] as const)
    put('gender', gender, {gender, count, updated_at: at(0)})
  for (const [age_band, count] of [
    ['65+', 50],
    ['18-24', 100],
    ['35-44', 150],
    ['25-34', 200],
  ] as const)
    put('age', age_band, {age_band, count, updated_at: at(0)})
  for (const c of CANDIDATES)
    put('party', c.party_affiliation, {party_affiliation: c.party_affiliation, total_votes: c.total_votes, updated_at: at(0)})
  state.counts = {voters: 1000, candidates: 3, votes: 500}
  state.registered = REGISTERED
  state.lag = 42
  state.kafka = {status: 'connected'}
  state.postgres = {status: 'connected'}
  return state
}

export function fixtureSnapshot(): Snapshot {
  return fixtureState().snapshot(NOW)
}

export function emptySnapshot(): Snapshot {
  const state = new DashboardState()
  state.counts = {voters: 0, candidates: 0, votes: 0}
  state.kafka = {status: 'connected', detail: 'no aggregate topics yet'}
  state.postgres = {status: 'connected'}
  return state.snapshot(NOW)
}

export const plain = (frame: string | undefined): string => stripVTControlCharacters(frame ?? '')

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check` passes (or fails with its last error after `timeoutMs`). */
export async function eventually(check: () => void, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() > end) throw error
      await delay(stepMs)
    }
  }
}

export type Rendered = ReturnType<typeof render>

/**
 * Resizes the test terminal and waits until the dashboard is laid out at that width: its header line
 * spans it. A fixed delay raced the re-render under load (CI), so this waits for the state instead.
 */
export async function resizeTo(r: Rendered, columns: number, rows?: number): Promise<void> {
  Object.defineProperty(r.stdout, 'columns', {value: columns, configurable: true})
  if (rows !== undefined) Object.defineProperty(r.stdout, 'rows', {value: rows, configurable: true})
  r.stdout.emit('resize')
  await eventually(() => assert.equal(plain(r.lastFrame()).split('\n')[0]!.length, Math.max(60, columns)))
}

/**
 * Waits until Ink reads keys. It starts reading in an effect, which React may run after the first frame is
 * written, and the test stdin drops a key written before that (it has no buffer).
 */
export async function readingKeys(r: Rendered): Promise<void> {
  await eventually(() => assert.ok(r.stdin.listenerCount('readable') > 0, 'Ink never began reading keys'))
}

/** Types a key and waits until the screen has changed; a key that is lost (or changes nothing) fails here. */
export async function pressChanging(r: Rendered, key: string): Promise<void> {
  await readingKeys(r)
  const before = plain(r.lastFrame())
  r.stdin.write(key)
  await eventually(() => assert.notEqual(plain(r.lastFrame()), before, `the screen did not change after ${JSON.stringify(key)}`))
}

export const KEYS = {
  right: '\u001B[C',
  left: '\u001B[D',
  up: '\u001B[A',
  down: '\u001B[B',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  tab: '\t',
}
