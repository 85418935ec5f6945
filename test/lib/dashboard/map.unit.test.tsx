import assert from 'node:assert/strict'

import chalk from 'chalk'
import {cleanup, render} from 'ink-testing-library'
// tsx applies tsconfig's automatic JSX runtime only to src; test files use the classic one.
import React from 'react'

import {rankCandidates} from '../../../src/lib/dashboard/derive.js'
import type {RegionRow} from '../../../src/lib/dashboard/types.js'
import {Dashboard} from '../../../src/lib/dashboard/ui/Dashboard.js'
import {StateMap} from '../../../src/lib/dashboard/ui/StateMap.js'
import {isUsElection, STATE_CODES, tileGrid} from '../../../src/lib/dashboard/us-tiles.js'
import {CANDIDATES, delay, fixtureSnapshot, plain, pressChanging, resizeTo} from './fixtures.js'

const [alice, bob] = CANDIDATES
const region = (state: string, leaderId: string, margin: number): RegionRow => ({
  state,
  leader: leaderId === alice!.candidate_id ? alice!.candidate_name : bob!.candidate_name,
  leaderId,
  leaderShare: 50 + margin / 2,
  margin,
  counted: 100,
  turnoutPct: 50,
})
const REGIONS = [
  region('California', alice!.candidate_id, 20),
  region('Texas', bob!.candidate_id, 2),
  region('Maine', bob!.candidate_id, 30),
]
const candidates = rankCandidates(CANDIDATES.map((c) => ({...c, last_voting_time: null, updated_at: ''})))

describe('US tile map', () => {
  afterEach(() => cleanup())

  it('has each of the 50 states once, Alaska top left, Maine top right, Hawaii and Florida on the bottom row', () => {
    const grid = tileGrid([])
    const codes = grid.flat().flatMap((t) => (t ? [t.code] : []))
    assert.equal(codes.length, 50)
    assert.deepEqual(new Set(codes), new Set(Object.values(STATE_CODES)))
    assert.equal(grid[0]![0]!.code, 'AK')
    assert.equal(grid[0]!.at(-1)!.code, 'ME')
    assert.deepEqual(
      grid.at(-1)!.flatMap((t) => (t ? [t.code] : [])),
      ['HI', 'TX', 'FL'],
    )
  })

  it('puts each region on its tile, close when the margin is under 5 points', () => {
    const tiles = new Map(
      tileGrid(REGIONS)
        .flat()
        .flatMap((t) => (t ? [[t.code, t] as const] : [])),
    )
    assert.equal(tiles.get('CA')!.region!.leaderId, alice!.candidate_id)
    assert.equal(tiles.get('CA')!.close, false)
    assert.equal(tiles.get('TX')!.close, true)
    assert.equal(tiles.get('NY')!.region, null, 'no votes in New York yet')
  })

  it('is drawn only for elections among US states', () => {
    assert.equal(isUsElection(REGIONS), true)
    assert.equal(isUsElection([region('Kent', alice!.candidate_id, 3), ...REGIONS.slice(0, 1)]), false)
    assert.equal(isUsElection([]), false)
  })

  it("reads without colour: code, the leader's number from the legend, lower case when close", async () => {
    const level = chalk.level
    chalk.level = 0 // what NO_COLOR sets (colour.ts)
    try {
      const r = render(<StateMap regions={REGIONS} candidates={candidates} />)
      await delay(20)
      const frame = r.lastFrame() ?? ''
      assert.ok(!frame.includes('\u001B['), 'no escape codes')
      assert.match(frame, /CA1 /)
      assert.match(frame, /tx2 /)
      assert.match(frame, /ME2$/m)
      assert.match(frame, /NY· /)
      assert.match(frame, /Who leads where · lower case: margin < 5 pts/)
      assert.match(frame, /1 Alice Able {2}2 Bob Brown {2}3 Cara Chen/)
    } finally {
      chalk.level = level
    }
  })

  it("fills a safe state with its leader's colour and only writes a close one in it", async () => {
    const level = chalk.level
    chalk.level = 1
    try {
      const r = render(<StateMap regions={REGIONS} candidates={candidates} />)
      await delay(20)
      const frame = r.lastFrame() ?? ''
      // Alice's colour is cyan (the first by id), Bob's magenta: background 46 / 45, foreground 36 / 35.
      const ESC = '\u001B'
      assert.ok(new RegExp(`${ESC}\\[46m[^\n]*CA1`).test(frame), JSON.stringify(frame))
      assert.ok(frame.includes(`${ESC}[35mtx2`), JSON.stringify(frame))
      assert.match(plain(frame), /CA1 /)
    } finally {
      chalk.level = level
    }
  })

  it('appears in the dashboard of a US election on a tall terminal only, and never pushes the footer off', async () => {
    const shown = async (snapshot: ReturnType<typeof fixtureSnapshot>, columns: number, rows: number) => {
      const r = render(<Dashboard snapshot={snapshot} intervalSec={0} />)
      await resizeTo(r, columns, rows)
      const frame = plain(r.lastFrame())
      cleanup()
      assert.ok(frame.split('\n').length <= rows, `${frame.split('\n').length} lines at ${columns}x${rows}:\n${frame}`)
      assert.match(frame, /q quit/)
      return /Who leads where/.test(frame)
    }
    const us = {...fixtureSnapshot(), regions: REGIONS}
    assert.equal(await shown(us, 120, 40), true)
    assert.equal(await shown(us, 80, 24), false, 'folded into a tab at 80x24')
    assert.equal(await shown(fixtureSnapshot(), 120, 40), false, 'not a US election')
  })

  it("at 80x24 is a tab: it takes the region table's place and the screen still fits", async () => {
    const r = render(<Dashboard snapshot={{...fixtureSnapshot(), regions: REGIONS}} intervalSec={0} />)
    await resizeTo(r, 80, 24)
    assert.match(plain(r.lastFrame()), /Gender │ Age │ Party │ Race │ Map$/m)
    for (let i = 0; i < 4; i++) await pressChanging(r, '\t')
    const frame = plain(r.lastFrame())
    assert.match(frame, /Who leads where/)
    assert.match(frame, /CA1 /)
    assert.doesNotMatch(frame, /Results by region/, 'the map replaces the region table')
    assert.ok(frame.split('\n').length <= 24, `${frame.split('\n').length} lines:\n${frame}`)
    for (const l of frame.split('\n')) assert.ok(l.length <= 80, `${l.length} > 80: ${l}`)
    assert.match(frame, /q quit/)
  })
})
