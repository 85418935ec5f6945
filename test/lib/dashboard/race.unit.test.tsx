import assert from 'node:assert/strict'

import {cleanup, render} from 'ink-testing-library'
// tsx applies tsconfig's automatic JSX runtime only to src; test files use the classic one.
import React from 'react'

import {brailleChart, columnOf, sparkline} from '../../../src/lib/dashboard/braille.js'
import {deriveRace, RaceHistory} from '../../../src/lib/dashboard/race.js'
import {RaceChart, shareRange} from '../../../src/lib/dashboard/ui/RaceChart.js'
import {delay, plain} from './fixtures.js'

const T0 = Date.parse('2026-05-01T12:00:00Z')
const names = [
  {candidate_id: 'a', candidate_name: 'Alice'},
  {candidate_id: 'b', candidate_name: 'Bob'},
]
const totals = (a: number, b: number) =>
  new Map([
    ['a', a],
    ['b', b],
  ])

/** Alice leads 10:0, Bob overtakes at second 3, Alice is back in front at second 5. */
function history(): RaceHistory {
  const h = new RaceHistory(300)
  h.record(T0 + 100, totals(10, 0))
  h.record(T0 + 900, totals(10, 4)) // same second: its last state counts
  h.record(T0 + 1000, totals(12, 8))
  // second 2 has no record: it holds second 1's totals
  h.record(T0 + 3000, totals(12, 20))
  h.record(T0 + 2500, totals(99, 99)) // older than the newest second (another partition): ignored
  h.record(T0 + 5000, totals(30, 21))
  return h
}

describe('the race over time', () => {
  afterEach(() => cleanup())

  it('keeps one point per second of record time, fills the gaps, and forgets what is older than its window', () => {
    const dense = history().dense()
    assert.deepEqual(
      dense.map((p) => [p.second - T0 / 1000, p.totals.get('a'), p.totals.get('b')]),
      [
        [0, 10, 4],
        [1, 12, 8],
        [2, 12, 8],
        [3, 12, 20],
        [4, 12, 20],
        [5, 30, 21],
      ],
    )
    const short = new RaceHistory(3)
    for (let s = 0; s < 10; s++) short.record(T0 + s * 1000, totals(s, 0))
    assert.deepEqual(
      short.dense().map((p) => p.second - T0 / 1000),
      [7, 8, 9],
    )
  })

  it('derives votes per second, shares and the lead changes, with who took the lead', () => {
    const race = deriveRace(history(), names)
    assert.equal(race.from, new Date(T0).toISOString())
    assert.equal(race.seconds, 6)
    assert.deepEqual(race.votesPerSecond, [0, 6, 0, 12, 0, 19])
    assert.deepEqual(race.shares[0]!.series, [71.43, 60, 60, 37.5, 37.5, 58.82])
    assert.deepEqual(race.shares[1]!.series, [28.57, 40, 40, 62.5, 62.5, 41.18])
    assert.deepEqual(race.leadChanges, [
      {index: 3, at: new Date(T0 + 3000).toISOString(), leader: 'Bob'},
      {index: 5, at: new Date(T0 + 5000).toISOString(), leader: 'Alice'},
    ])
    assert.deepEqual(deriveRace(new RaceHistory(), names), {from: null, seconds: 0, votesPerSecond: [], shares: [], leadChanges: []})
  })

  it('draws braille lines: a rising series goes from the bottom-left dot to the top-right dot, joined', () => {
    const {rows, owner} = brailleChart([[0, 100]], 2, 2, 0, 100)
    // 4 x 8 dots: x 0 at the bottom (y 7), x 3 at the top (y 0), strokes between.
    const dots = rows.map((r) => [...r].map((c) => c.codePointAt(0)! - 0x2800))
    assert.equal(dots[1]![0], 0x40 | 0x80, 'the two bottom-left dots: the first value, 0')
    assert.ok(dots[0]![1]! & 0x08, 'top-right dot set: the last value, 100')
    assert.equal(dots[0]![1]! & 0x47, 0x47, 'the rise is one unbroken stroke: the upper half of its column')
    assert.equal(dots[1]![1]! & 0x47, 0x47, 'and the lower half')
    assert.equal(dots[0]![0], 0, 'nothing where the line never goes')
    assert.deepEqual(owner, [
      [-1, 0],
      [0, 0],
    ])
    assert.deepEqual(brailleChart([], 3, 1, 0, 1).rows, ['\u2800\u2800\u2800'])
    assert.equal(brailleChart([[5], [5]], 3, 1, 0, 10).owner[0]![0], 1, 'the later series owns a shared cell')
  })

  it('sparklines scale to the highest value and keep each stretch at its most', () => {
    assert.equal(sparkline([0, 4, 8], 3), ' ▄█')
    assert.equal(sparkline([8, 0, 0, 0], 2), '█ ', 'the peak survives the squeeze')
    assert.equal(sparkline([0, 0], 2), '  ')
    assert.equal(columnOf(0, 6, 10), 0)
    assert.equal(columnOf(5, 6, 10), 9)
  })

  it('widens the share scale around what moved, within 0-100', () => {
    assert.deepEqual(shareRange(deriveRace(history(), names)), [26, 74])
    assert.deepEqual(shareRange(deriveRace(new RaceHistory(), names)), [0, 100])
  })

  it('renders the panel: the scale, a line per candidate, votes per second, and the last lead change', async () => {
    const r = render(<RaceChart race={deriveRace(history(), names)} width={80} />)
    await delay(20)
    const lines = plain(r.lastFrame()).split('\n')
    assert.match(lines[0]!, /^The race · shares, last 1 min · 2 lead changes \(▲\), last: Alice at \d\d:\d\d:\d\d$/)
    assert.match(lines[1]!, /^ {1}74% [\u2800-\u28ff]+$/)
    assert.match(lines[7]!, /^ {1}26% [\u2800-\u28ff]+$/)
    assert.match(lines[8]!, /^ v\/s [ ▁▂▃▄▅▆▇█]+ 19 peak$/)
    assert.match(lines[9]!, /^ {5} {44}▲ {29}▲$/, 'at seconds 3 and 5 of 0-5, on 75 columns')
    const waiting = render(<RaceChart race={deriveRace(new RaceHistory(), names)} width={60} />)
    await delay(20)
    assert.match(plain(waiting.lastFrame()), /waiting for the first seconds of votes/)
  })
})
