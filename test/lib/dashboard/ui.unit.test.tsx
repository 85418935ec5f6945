import assert from 'node:assert/strict'

import {cleanup, render} from 'ink-testing-library'
// tsx applies tsconfig's automatic JSX runtime only to src; test files use the classic one.
import React from 'react'

import {Dashboard} from '../../../src/lib/dashboard/ui/Dashboard.js'
import {LiveDashboard, MIN_RENDER_GAP_MS, PUSH_POLL_MS, type SnapshotSource} from '../../../src/lib/dashboard/ui/Live.js'
import type {Snapshot} from '../../../src/lib/dashboard/types.js'
import {FakeClock} from '../../helpers/clock.js'
import {
  CANDIDATES,
  delay,
  emptySnapshot,
  eventually,
  fixtureSnapshot,
  fixtureState,
  KEYS,
  NOW,
  plain,
  pressChanging,
  readingKeys,
  resizeTo,
  STATES,
  type Rendered,
} from './fixtures.js'

/** Renders at a terminal width (ink-testing-library's stdout is 100 wide until resized). */
async function renderAt(node: React.ReactElement, columns = 100): Promise<Rendered> {
  const r = render(node)
  if (columns !== 100) await resizeTo(r, columns)
  return r
}

const frame = (r: Rendered) => plain(r.lastFrame())
const lines = (r: Rendered) => frame(r).split('\n')

/** The region rows currently shown: lines that start with one of the fixture's states. */
function locationOrder(r: Rendered): string[] {
  return lines(r)
    .map((l) => STATES.find((s) => l.startsWith(`${s} `)))
    .filter((s): s is string => Boolean(s))
}

/** Types keys that may leave the screen as it is (so there is no change to wait for); pressChanging waits for one. */
async function press(r: Rendered, ...keys: string[]): Promise<void> {
  await readingKeys(r)
  for (const key of keys) {
    r.stdin.write(key)
    await delay(15)
  }
  await delay(20)
}

describe('dashboard UI', () => {
  afterEach(() => cleanup())

  it('shows totals, the leader with share, lead and photo, and connection states', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    const f = frame(r)
    assert.match(f, /Voters 1,000 {3}Candidates 3 {3}Votes cast 500 {3}Turnout 50\.0%/)
    assert.match(f, /Leading Alice Able \(Red Party\) · 300 votes · 60\.0% · lead 120 over Bob Brown/)
    assert.match(f, /Photo https:\/\/example\.test\/alice\.jpg/)
    assert.match(f, /Kafka ● connected {2}Postgres ● connected/)
    assert.match(f, /refreshed \d\d:\d\d:\d\d · push/)
    assert.match(f, /Pipeline counted 500 · 0\.0 votes\/s · latency 250 ms \(p99 250 ms\) · lag 42/)
  })

  it('draws a bar per candidate proportional to its share, with count and percentage', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    const row = (name: string) => lines(r).find((l) => l.includes(name) && l.includes('█'))!
    const filled = (name: string) => (row(name).match(/█/g) ?? []).length
    const width = (name: string) => filled(name) + (row(name).match(/░/g) ?? []).length
    assert.match(row('Alice Able'), /300 █+░+ {2}60\.0%$/)
    assert.match(row('Bob Brown'), /180 █+░+ {2}36\.0%$/)
    assert.equal(width('Alice Able'), width('Cara Chen'), 'bars share one scale')
    assert.equal(filled('Alice Able'), Math.round(0.6 * width('Alice Able')))
    assert.equal(filled('Bob Brown'), Math.round(0.36 * width('Bob Brown')))
    assert.ok(filled('Cara Chen') < filled('Bob Brown'))
  })

  it('lists candidates most votes first', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    const order = lines(r)
      // Not the leader line, and not the region table, which names each region's leader.
      .filter((l) => !l.startsWith('Leading') && !STATES.some((s) => l.startsWith(`${s} `)))
      .map((l) => CANDIDATES.find((c) => l.includes(c.candidate_name))?.candidate_name)
      .filter(Boolean)
    assert.deepEqual(order, ['Alice Able', 'Bob Brown', 'Cara Chen'])
  })

  it('shows who leads each region, with share, margin, votes counted and turnout', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    const row = (state: string) => lines(r).find((l) => l.startsWith(`${state} `))!
    assert.match(row('Kent'), /^Kent +Alice Able +60\.0% +\+20\.0 +90 +- /, 'turnout unknown: no registrations for Kent')
    assert.match(row('Avon'), /^Avon +Bob Brown +70\.0% +\+40\.0 +80 +50\.0%/)
  })

  it('sorts the region table: s cycles the field, d toggles the direction', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    assert.deepEqual(locationOrder(r), ['Kent', 'Avon', 'Lancashire', 'Bedford', 'Dorset'], 'counted, most first')
    assert.match(frame(r), /counted↓/)
    await pressChanging(r, 'd')
    assert.deepEqual(locationOrder(r), ['Jersey', 'Isle of Wight', 'Gwent', 'Fife', 'Hampshire'], 'counted, fewest first')
    assert.match(frame(r), /counted↑/)
    await pressChanging(r, 's')
    assert.deepEqual(locationOrder(r), ['Avon', 'Bedford', 'Cornwall', 'Dorset', 'Essex'], 'region A-Z')
    assert.match(frame(r), /region↑/)
    await pressChanging(r, 'd')
    assert.deepEqual(locationOrder(r), ['Lancashire', 'Kent', 'Jersey', 'Isle of Wight', 'Hampshire'], 'region Z-A')
  })

  it('pages with arrows and PgUp/PgDn, and p changes the page size', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    assert.match(frame(r), /page 1\/3 · 5\/page/)
    await pressChanging(r, KEYS.right)
    assert.match(frame(r), /page 2\/3/)
    assert.deepEqual(locationOrder(r), ['Cornwall', 'Essex', 'Hampshire', 'Fife', 'Gwent'])
    await pressChanging(r, KEYS.pageDown)
    await press(r, KEYS.pageDown)
    assert.match(frame(r), /page 3\/3/, 'stops at the last page')
    assert.deepEqual(locationOrder(r), ['Isle of Wight', 'Jersey'])
    await pressChanging(r, KEYS.pageUp)
    assert.match(frame(r), /page 2\/3/, 'one back from the last page')
    await pressChanging(r, KEYS.left)
    await press(r, KEYS.left)
    assert.match(frame(r), /page 1\/3/)
    await pressChanging(r, 'p')
    assert.match(frame(r), /page 1\/2 · 10\/page/)
    assert.equal(locationOrder(r).length, 10)
    await pressChanging(r, 'p')
    assert.match(frame(r), /page 1\/1 · 20\/page/)
    assert.equal(locationOrder(r).length, 12)
  })

  it('tab switches the panel between gender, age band, party and, with no room for it below, the race', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />)
    const has = (re: RegExp) => lines(r).some((l) => re.test(l))
    assert.ok(has(/male +260 +52\.0%/), frame(r))
    assert.ok(has(/Gender │ Age │ Party │ Race$/), 'the race folds into a tab (not a US election: no map tab)')
    assert.ok(!has(/25-34 +200/))
    await pressChanging(r, KEYS.tab)
    assert.ok(has(/25-34 +200 +40\.0%/), frame(r))
    assert.ok(!has(/male +260/))
    await pressChanging(r, KEYS.tab)
    assert.ok(has(/Red Party +300 +60\.0%/), frame(r))
    await pressChanging(r, KEYS.tab)
    assert.ok(has(/waiting for the first seconds of votes|v\/s/), frame(r))
    assert.ok(!has(/Red Party +300 +60\.0%/))
    await pressChanging(r, KEYS.tab)
    assert.ok(has(/female +230 +46\.0%/))
  })

  it('q, r and +/- reach the callbacks; + and - step the interval', async () => {
    const calls: string[] = []
    const r = await renderAt(
      <Dashboard
        snapshot={fixtureSnapshot()}
        intervalSec={5}
        onQuit={() => calls.push('quit')}
        onRefresh={() => calls.push('refresh')}
        onInterval={(s) => calls.push(`interval ${s}`)}
      />,
    )
    assert.match(frame(r), /every 5 s/)
    await press(r, '+', '-', 'r', 'q')
    assert.deepEqual(calls, ['interval 10', 'interval 2', 'refresh', 'quit'])
  })

  it('fits 80 columns and 24 rows, with one candidate table (no ids) and one breakdown', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />, 80)
    const all = lines(r)
    assert.ok(all.length <= 24, `${all.length} lines:\n${all.join('\n')}`)
    for (const l of all) assert.ok(l.length <= 80, `${l.length} > 80: ${l}`)
    const f = frame(r)
    assert.match(f, /^Candidates$/m)
    assert.match(f, /^candidate +party +votes share/m)
    assert.doesNotMatch(f, /c0a1b2c/, 'no truncated ids')
    assert.ok(all.some((l) => /male +260/.test(l)) && !all.some((l) => /18-24 +100/.test(l)), 'one breakdown at a time')
    assert.match(f, /Voters 1,000/)
    assert.match(f, /q quit .* p size$/m)
    assert.match(f, /^Election dashboard · refreshed \d\d:\d\d:\d\d · push +Kafka ● up {2}Postgres ● up$/m, 'header on one line')
  })

  it('uses the width of a wide terminal: one candidate table with full ids and share bars, all breakdowns', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />, 180)
    const f = frame(r)
    for (const l of lines(r)) assert.ok(l.length <= 180, `${l.length} > 180: ${l}`)
    assert.ok(
      lines(r).some((l) => l.length > 120),
      'uses the extra width',
    )
    assert.match(f, /candidate_id +candidate_name +party_affiliation +votes share/)
    assert.match(f, /c0a1b2c3-aaaa-4bbb-8ccc-000000000001 Alice Able +Red Party +300 █+░+ +60\.0%/)
    assert.equal(
      lines(r).filter((l) => /Alice Able.* 300 /.test(l) && !l.startsWith('Leading')).length,
      1,
      'one candidate row: no second table repeating names and totals',
    )
    assert.ok(
      lines(r).some((l) => /male +260/.test(l) && /18-24 +100/.test(l) && /Red Party +300/.test(l)),
      'three panels side by side',
    )
    assert.match(f, /s sort field · d direction/)
  })

  it('re-lays out when the terminal is resized', async () => {
    const r = await renderAt(<Dashboard snapshot={fixtureSnapshot()} intervalSec={0} />, 80)
    assert.doesNotMatch(frame(r), /c0a1b2c3-aaaa-4bbb-8ccc-000000000001/)
    await resizeTo(r, 160)
    assert.match(frame(r), /c0a1b2c3-aaaa-4bbb-8ccc-000000000001/)
  })

  it('an empty election says it is waiting for votes, with no NaN or Infinity', async () => {
    for (const columns of [80, 160]) {
      const r = await renderAt(<Dashboard snapshot={emptySnapshot()} intervalSec={0} />, columns)
      const f = frame(r)
      assert.match(f, /Waiting for votes/)
      assert.match(f, /Turnout -/)
      assert.match(f, /no votes counted yet/)
      assert.doesNotMatch(f, /NaN|Infinity|undefined/)
      await press(r, 's', 'd', KEYS.right, KEYS.tab, 'p')
      assert.doesNotMatch(frame(r), /NaN|Infinity|undefined/)
      assert.match(frame(r), /page 1\/1/)
      cleanup()
    }
  })

  it('shows an unreachable broker in the header with the reason', async () => {
    const s: Snapshot = {
      ...emptySnapshot(),
      connection: {
        kafka: {status: 'unreachable', detail: 'Connection error: connect ECONNREFUSED 127.0.0.1:1'},
        postgres: {status: 'connected'},
      },
    }
    const r = await renderAt(<Dashboard snapshot={s} intervalSec={0} />, 80)
    assert.match(frame(r), /Kafka ● down {2}Postgres ● up/)
    assert.match(frame(r), /Kafka unreachable: Connection error: connect ECONNREFUSED 127\.0\.0\.1:1 \(retrying\)/)
  })
})

/** A source the test drives: `push` changes the data and notifies like the feed does. */
class FakeSource implements SnapshotSource {
  snapshots = 0
  polls: number[] = []
  private readonly state = fixtureState()
  private readonly listeners = new Set<() => void>()
  private votes = 300

  snapshot() {
    this.snapshots++
    return this.state.snapshot(NOW)
  }

  subscribe(listener: () => void) {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  async refresh() {}

  setPollMs(ms: number) {
    this.polls.push(ms)
  }

  push() {
    this.votes++
    this.state.ingest(
      'candidate',
      CANDIDATES[0]!.candidate_id,
      JSON.stringify({...CANDIDATES[0], total_votes: this.votes, last_voting_time: null, updated_at: ''}),
      NOW.getTime(),
    )
    for (const l of this.listeners) l()
  }
}

describe('live dashboard timing (fake clock)', () => {
  afterEach(() => cleanup())

  /**
   * Waits until the dashboard has asked `source` for these poll intervals. It does so in the effect that also
   * starts its render timer or subscribes, which React runs after the frame is written: a record pushed or a
   * tick before that would be missed (CI saw that race).
   */
  const effectRan = (source: FakeSource, polls: number[]) => eventually(() => assert.deepEqual(source.polls, polls))

  it('push mode: a record renders at once, a burst within the gap is one render at its end', async () => {
    const clock = new FakeClock()
    const source = new FakeSource()
    const r = await renderAt(<LiveDashboard source={source} initialInterval={0} onQuit={() => {}} clock={clock} />)
    assert.match(frame(r), /300 votes/)
    await effectRan(source, [PUSH_POLL_MS])
    const rendered = () => source.snapshots
    const first = rendered()
    source.push()
    await eventually(() => assert.match(frame(r), /301 votes/))
    assert.equal(rendered(), first + 1, 'one render for one record, with no time passing')

    await clock.tick(MIN_RENDER_GAP_MS / 2)
    for (let i = 0; i < 100; i++) source.push()
    await delay(30) // let React commit anything it was given
    assert.match(frame(r), /301 votes/, 'a burst inside the gap is not rendered yet')
    assert.equal(rendered(), first + 1)
    await clock.tick(MIN_RENDER_GAP_MS / 2 - 1)
    await delay(30)
    assert.equal(rendered(), first + 1, 'still inside the gap')
    await clock.tick(1)
    await eventually(() => assert.match(frame(r), /401 votes/))
    assert.equal(rendered(), first + 2, 'the whole burst is one render')
    await clock.tick(10 * MIN_RENDER_GAP_MS)
    assert.equal(rendered(), first + 2, 'no renders without records')
    assert.deepEqual(source.polls, [PUSH_POLL_MS])
  })

  it('interval mode renders on the tick, not on every record; + changes the interval', async () => {
    const clock = new FakeClock()
    const source = new FakeSource()
    const r = await renderAt(<LiveDashboard source={source} initialInterval={1} onQuit={() => {}} clock={clock} />)
    /** A pushed record shows exactly `ms` later, on the tick, not a millisecond before. */
    const showsOnTick = async (ms: number, votes: number) => {
      source.push()
      await clock.tick(ms - 1)
      await delay(30) // let React commit anything it was given
      assert.match(frame(r), new RegExp(`${votes - 1} votes`), `a record alone does not render before the ${ms} ms tick`)
      await clock.tick(1)
      await eventually(() => assert.match(frame(r), new RegExp(`${votes} votes`)))
    }
    await effectRan(source, [1000])
    await showsOnTick(1000, 301)
    await pressChanging(r, '+')
    assert.match(frame(r), /every 2 s/)
    await effectRan(source, [1000, 2000])
    await showsOnTick(2000, 302)
  })
})
