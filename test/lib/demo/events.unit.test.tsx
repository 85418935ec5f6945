import assert from 'node:assert/strict'
import {appendFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {render} from 'ink-testing-library'
// tsx applies tsconfig's automatic JSX runtime only to src; test files use the classic one.
import React from 'react'

import {appendEvent, exactnessOf, readEvents} from '../../../src/lib/demo/events.js'
import {ChaosLine} from '../../../src/lib/dashboard/ui/ChaosLine.js'
import {delay, plain} from '../dashboard/fixtures.js'

const AT = new Date('2026-11-25T12:00:10Z')
const kill = {type: 'kill' as const, stage: 'aggregate' as const, pid: 10, restartedPid: 11, at: '2026-11-25T12:00:05.000Z'}

describe('demo --chaos events', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'election-events-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('reads back what was appended, skips a line still being written, and is empty before the file exists', () => {
    const file = path.join(dir, 'events.jsonl')
    assert.deepEqual(readEvents(file), [])
    appendEvent(file, kill)
    appendEvent(file, {type: 'check', at: AT.toISOString(), votes: 10, countedTwice: 0, waiting: 2})
    appendFileSync(file, '{"type":"ki')
    assert.deepEqual(readEvents(file), [kill, {type: 'check', at: AT.toISOString(), votes: 10, countedTwice: 0, waiting: 2}])
  })

  it('a live check counts, per candidate, the votes ahead of Postgres (twice) and behind it (waiting)', () => {
    const differences = [
      {dimension: 'candidate', key: 'a', expected: 10, published: 7},
      {dimension: 'candidate', key: 'b', expected: 4, published: 5},
      {dimension: 'location', key: 'Kent', expected: 9, published: 1},
    ]
    assert.deepEqual(exactnessOf({votes: 14, differences}, AT), {at: AT.toISOString(), votes: 14, countedTwice: 1, waiting: 3})
    assert.deepEqual(exactnessOf({votes: 14, differences: []}, AT), {at: AT.toISOString(), votes: 14, countedTwice: 0, waiting: 0})
  })

  it('the dashboard line: the kills, the last one, and the last check', async () => {
    const line = async (lastCheck: Parameters<typeof ChaosLine>[0]['chaos']['lastCheck']) => {
      const r = render(<ChaosLine chaos={{kills: [{...kill, stage: 'vote'}, kill], lastCheck}} />)
      Object.defineProperty(r.stdout, 'columns', {value: 140, configurable: true})
      r.rerender(<ChaosLine chaos={{kills: [{...kill, stage: 'vote'}, kill], lastCheck}} />)
      await delay(20)
      return plain(r.lastFrame())
    }
    assert.match(
      await line(null),
      /^Chaos 2 kill -9 \(vote 1, aggregate 1\) · first check soon · last kill: aggregate at \d\d:\d\d:\d\d, restarted$/,
    )
    assert.match(
      await line({at: AT.toISOString(), votes: 1000, countedTwice: 0, waiting: 1234}),
      /^Chaos 2 kill -9 \(vote 1, aggregate 1\) · 0 counted twice, 1,234 to count \(\d\d:\d\d:\d\d\) · last kill: aggregate at/,
    )
  })
})
