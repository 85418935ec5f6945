import assert from 'node:assert/strict'

import type {KafkaMessage} from 'kafkajs'

import {leaderOf, rankCandidates, regionsOf, turnoutPct} from '../../../src/lib/dashboard/derive.js'
import {consumerLag, LatencyWindow, percentile, RateWindow} from '../../../src/lib/dashboard/health.js'
import {recordsToIngest} from '../../../src/lib/dashboard/sources.js'
import {DashboardState} from '../../../src/lib/dashboard/state.js'
import {AggregateStore} from '../../../src/lib/dashboard/store.js'
import {throttle} from '../../../src/lib/dashboard/throttle.js'
import {FakeClock} from '../../helpers/clock.js'
import {
  initialView,
  nextInterval,
  pageOf,
  PANELS,
  panelsFor,
  reduceView,
  sortRegions,
  type ViewState,
} from '../../../src/lib/dashboard/view.js'
import {CANDIDATES, emptySnapshot, fixtureSnapshot, NOW, STATES} from './fixtures.js'

const candidate = (id: string, votes: number, name = id) => ({
  candidate_id: id,
  candidate_name: name,
  party_affiliation: 'P',
  photo_url: null,
  total_votes: votes,
  last_voting_time: null,
  updated_at: '',
})

describe('dashboard store', () => {
  it('keeps the latest value per key and deletes a key on a tombstone', () => {
    const store = new AggregateStore()
    store.apply('candidate', 'a', JSON.stringify(candidate('a', 1)))
    store.apply('candidate', 'a', JSON.stringify(candidate('a', 5)))
    store.apply('candidate', 'b', JSON.stringify(candidate('b', 2)))
    assert.equal(store.candidate.get('a')!.total_votes, 5)
    assert.equal(store.counted(), 7)
    store.apply('candidate', 'b', null)
    assert.deepEqual([...store.candidate.keys()], ['a'])
    assert.equal(store.counted(), 5)
  })

  it('skips malformed records and never turns bad numbers into NaN', () => {
    const store = new AggregateStore()
    assert.equal(store.apply('location', 'x', 'not json'), null)
    assert.equal(store.apply('location', 'y', '[1,2]'), null)
    store.apply('location', 'z', JSON.stringify({state: 'z', count: 'abc'}))
    store.apply('candidate', 'c', JSON.stringify({total_votes: '12'}))
    assert.equal(store.malformed, 2)
    assert.equal(store.location.get('z')!.count, 0)
    assert.equal(store.candidate.get('c')!.candidate_id, 'c', 'id falls back to the key')
    assert.equal(store.counted(), 12)
  })
})

describe('recordsToIngest', () => {
  const message = (key: string | null, value: string | null, offset: number) =>
    ({
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      offset: String(offset),
    }) as KafkaMessage

  it("keeps only each key's last record of an aggregate batch, a tombstone included", () => {
    const batch = [
      message('Kent', '1', 0),
      message('Fife', '1', 1),
      message('Kent', '2', 2),
      message(null, 'x', 3),
      message('Fife', null, 4),
    ]
    assert.deepEqual(
      recordsToIngest('location', batch).map((m) => m.offset),
      ['2', '4'],
    )
  })

  it("keeps every record of a candidate batch: the race and the rate come from each one's timestamp", () => {
    const batch = [message('a', '1', 0), message('a', '2', 1), message(null, 'x', 2), message('a', '3', 3)]
    assert.deepEqual(
      recordsToIngest('candidate', batch).map((m) => m.offset),
      ['0', '1', '3'],
    )
  })
})

describe('dashboard derivations', () => {
  it('ranks candidates by votes, ties by name, with shares of the counted votes', () => {
    const ranked = rankCandidates([candidate('b', 10, 'Bea'), candidate('a', 30, 'Ann'), candidate('c', 10, 'Ada')])
    assert.deepEqual(
      ranked.map((c) => [c.candidate_name, c.share]),
      [
        ['Ann', 60],
        ['Ada', 20],
        ['Bea', 20],
      ],
    )
  })

  it('leader: lead over the runner-up, tie is lead 0, nobody leads without votes', () => {
    assert.deepEqual(
      (({candidate_id, lead, runner_up, share}) => ({candidate_id, lead, runner_up, share}))(
        leaderOf(rankCandidates([candidate('a', 7), candidate('b', 3)]))!,
      ),
      {candidate_id: 'a', lead: 4, runner_up: 'b', share: 70},
    )
    assert.equal(leaderOf(rankCandidates([candidate('a', 5), candidate('b', 5)]))!.lead, 0)
    assert.equal(leaderOf(rankCandidates([candidate('a', 9)]))!.lead, 9)
    assert.equal(leaderOf(rankCandidates([candidate('a', 0), candidate('b', 0)])), null)
    assert.equal(leaderOf([]), null)
  })

  it("derives each region's race: leader, share, margin in points, counted, turnout; most counted first", () => {
    const s = fixtureSnapshot()
    assert.deepEqual(s.regions.slice(0, 2), [
      {
        state: 'Kent',
        leader: 'Alice Able',
        leaderId: CANDIDATES[0]!.candidate_id,
        leaderShare: 60,
        margin: 20,
        counted: 90,
        turnoutPct: null,
      },
      {state: 'Avon', leader: 'Bob Brown', leaderId: CANDIDATES[1]!.candidate_id, leaderShare: 70, margin: 40, counted: 80, turnoutPct: 50},
    ])
    assert.deepEqual(
      s.regions.map((r) => r.state),
      STATES,
      'STATES is in count order',
    )
    assert.deepEqual(
      s.regions.map((r) => r.counted),
      s.regions.map((r) => s.locations.find((l) => l.state === r.state)!.count),
      "a region's counted votes are its turnout record's count",
    )
    const bobLeads = s.regions.filter((r) => r.leader === 'Bob Brown').map((r) => r.state)
    assert.deepEqual(bobLeads, ['Avon', 'Cornwall', 'Gwent'])
  })

  it('a tied region is led by name order with margin 0; a region alone or with no voters registered stays finite', () => {
    const total = (state: string, candidate_name: string, total_votes: number) => ({
      state,
      candidate_id: `id-${candidate_name}`,
      candidate_name,
      party_affiliation: 'P',
      total_votes,
      updated_at: '',
    })
    const rows = regionsOf(
      [total('X', 'Zed', 5), total('X', 'Amy', 5), total('Y', 'Solo', 3), total('Z', 'Nobody', 0)],
      new Map([['Y', 0]]),
    )
    assert.deepEqual(rows, [
      {state: 'X', leader: 'Amy', leaderId: 'id-Amy', leaderShare: 50, margin: 0, counted: 10, turnoutPct: null},
      {state: 'Y', leader: 'Solo', leaderId: 'id-Solo', leaderShare: 100, margin: 100, counted: 3, turnoutPct: null},
    ])
  })

  it('turnout is null, not NaN or Infinity, when voters are 0 or unknown', () => {
    assert.equal(turnoutPct(5, 0), null)
    assert.equal(turnoutPct(null, 10), null)
    assert.equal(turnoutPct(1, 3), 33.33)
  })

  it('derives the fixed snapshot: totals, leader, shares, age bands in band order', () => {
    const s = fixtureSnapshot()
    assert.deepEqual(s.totals, {voters: 1000, candidates: 3, votes: 500, counted: 500, turnoutPct: 50})
    assert.equal(s.leader!.candidate_name, 'Alice Able')
    assert.equal(s.leader!.share, 60)
    assert.equal(s.leader!.lead, 120)
    assert.deepEqual(
      s.candidates.map((c) => c.share),
      [60, 36, 4],
    )
    assert.deepEqual(
      s.age.map((a) => a.age_band),
      ['18-24', '25-34', '35-44', '65+'],
    )
    assert.equal(s.locations[0]!.state, 'Kent')
    assert.equal(
      s.locations.reduce((sum, l) => sum + l.share, 0),
      100,
    )
    assert.equal(s.health.latencyMs.latest, 250)
    assert.equal(s.health.lag, 42)
  })

  it('an empty election has no leader and no NaN anywhere', () => {
    const s = emptySnapshot()
    assert.equal(s.leader, null)
    assert.equal(s.totals.turnoutPct, null)
    assert.equal(s.health.votesPerSecond, null)
    const numbers: number[] = []
    JSON.stringify(s, (_k, v: unknown) => (typeof v === 'number' && numbers.push(v), v))
    assert.ok(numbers.every(Number.isFinite))
  })
})

describe('dashboard view state', () => {
  const rows = STATES.map((state, i) => ({
    state,
    leader: 'Alice Able',
    leaderId: 'a',
    leaderShare: 50 + i,
    margin: 30 - i * 2,
    counted: 100 - i * 5,
    turnoutPct: i === 3 ? null : 10 + i,
  }))

  it('sorts regions by any column in both directions, ties by state, unknown turnout last', () => {
    assert.equal(sortRegions(rows, 'counted', 'desc')[0]!.state, 'Kent')
    assert.equal(sortRegions(rows, 'counted', 'asc')[0]!.state, 'Jersey')
    assert.equal(sortRegions(rows, 'state', 'asc')[0]!.state, 'Avon')
    assert.equal(sortRegions(rows, 'state', 'desc')[0]!.state, 'Lancashire')
    assert.equal(sortRegions(rows, 'leaderShare', 'desc')[0]!.state, 'Jersey')
    assert.equal(sortRegions(rows, 'margin', 'desc')[0]!.state, 'Kent')
    assert.equal(sortRegions(rows, 'turnoutPct', 'desc')[0]!.state, 'Jersey')
    assert.equal(sortRegions(rows, 'turnoutPct', 'desc').at(-1)!.state, 'Bedford', 'Bedford: turnout unknown')
    const tied = [
      {...rows[0]!, state: 'B', counted: 1},
      {...rows[0]!, state: 'A', counted: 1},
    ]
    assert.deepEqual(
      sortRegions(tied, 'counted', 'desc').map((r) => r.state),
      ['A', 'B'],
    )
  })

  it('pages and clamps the page to the last one', () => {
    assert.deepEqual(pageOf([1, 2, 3, 4, 5, 6, 7], 1, 5), {rows: [6, 7], page: 1, pages: 2})
    assert.deepEqual(pageOf([1, 2, 3], 9, 5), {rows: [1, 2, 3], page: 0, pages: 1})
    assert.deepEqual(pageOf([], 0, 5), {rows: [], page: 0, pages: 1})
  })

  it('reduces keys: sort field cycles, direction toggles, paging stays in range, sizes cycle', () => {
    let v = reduceView(initialView, 'nextSort', 12)
    assert.equal(v.sortField, 'state')
    v = reduceView(v, 'toggleDir', 12)
    assert.equal(v.sortDir, 'asc')
    v = reduceView(reduceView(reduceView(reduceView(v, 'nextPage', 12), 'nextPage', 12), 'nextPage', 12), 'nextPage', 12)
    assert.equal(v.page, 2, '12 rows at 5 a page: pages 0..2')
    assert.equal(reduceView(v, 'prevPage', 12).page, 1)
    assert.equal(reduceView(v, 'firstPage', 12).page, 0)
    assert.equal(reduceView(initialView, 'lastPage', 12).page, 2)
    assert.equal(reduceView(v, 'prevPage', 3).page, 0, 'fewer rows than before: back in range')
    const sized = reduceView(v, 'nextPageSize', 12)
    assert.deepEqual([sized.pageSize, sized.page], [10, 0])
    let size = initialView
    for (let i = 0; i < 4; i++) size = reduceView(size, 'nextPageSize', 0)
    assert.equal(size.pageSize, 5, '5 → 10 → 20 → 50 → 5')
    assert.deepEqual(
      [1, 2, 3].map(() => (v = reduceView(v, 'nextPanel', 12)).panel),
      ['age', 'party', 'gender'],
    )
  })

  it('folds the race, and for a US election the map, into tabs when they have no room below', () => {
    assert.deepEqual(panelsFor(true, true), ['gender', 'age', 'party'], 'both shown below: breakdown tabs only')
    assert.deepEqual(panelsFor(false, false), ['gender', 'age', 'party', 'race'])
    const panels = panelsFor(false, true)
    assert.deepEqual(panels, ['gender', 'age', 'party', 'race', 'map'])
    let v: ViewState = {...initialView, panel: 'party'}
    assert.deepEqual(
      [1, 2, 3].map(() => (v = reduceView(v, 'nextPanel', 12, panels)).panel),
      ['race', 'map', 'gender'],
    )
    const grown = reduceView({...initialView, panel: 'map'}, 'nextPanel', 12, PANELS)
    assert.equal(grown.panel, 'age', 'a tab the grown terminal no longer has counts as the first')
  })

  it('steps the refresh interval between push and 60 s', () => {
    assert.equal(nextInterval(0, 1), 1)
    assert.equal(nextInterval(0, -1), 0)
    assert.equal(nextInterval(5, 1), 10)
    assert.equal(nextInterval(60, 1), 60)
    assert.equal(nextInterval(3, -1), 2)
  })
})

describe('dashboard health', () => {
  it('votes/s comes from record time, so replaying old records is not a burst', () => {
    const now = NOW.getTime()
    const replayed = new RateWindow(10_000)
    // An election that ran an hour ago, replayed now.
    for (let i = 0; i <= 100; i++) replayed.add(now - 3_600_000 + i * 1000, 50)
    assert.equal(replayed.rate(now), 0)
    const live = new RateWindow(10_000)
    for (let i = 0; i <= 30; i++) live.add(now - 30_000 + i * 1000, 20)
    assert.equal(live.rate(now), 20)
    const young = new RateWindow(10_000)
    young.add(now - 4000, 0)
    young.add(now - 2000, 40)
    assert.equal(young.rate(now), 10, 'watched 4 s: 40 votes / 4 s')
    assert.equal(new RateWindow().rate(now), null)
  })

  it("a candidate's first record is a baseline: starting on a busy election is not a burst", () => {
    const state = new DashboardState()
    const t = Date.now()
    for (const [id, votes] of [
      ['a', 5000],
      ['b', 4000],
      ['c', 3000],
    ] as const)
      state.ingest('candidate', id, JSON.stringify(candidate(id, votes)), t - 3000)
    assert.equal(state.snapshot(new Date(t)).health.votesPerSecond, 0)
    state.ingest('candidate', 'a', JSON.stringify(candidate('a', 5030)), t - 1000)
    assert.equal(state.snapshot(new Date(t)).health.votesPerSecond, 10, '30 votes in the 3 s watched')
  })

  it('latency keeps the latest and a p99 over the window', () => {
    const w = new LatencyWindow(60_000)
    const t = NOW.getTime()
    for (let i = 0; i < 100; i++) w.add(t + i, new Date(t + i - (i === 50 ? 5000 : 100)).toISOString())
    assert.equal(w.latest, 100)
    assert.equal(w.p99(), 100)
    w.add(t + 200, new Date(t - 9800).toISOString())
    assert.equal(w.latest, 10_000)
    assert.equal(w.p99(), 5000)
    w.add(t + 200, null)
    assert.equal(w.latest, 10_000, 'records without a voting time are ignored')
    assert.equal(percentile([], 99), null)
  })

  it('lag sums end minus committed per partition, from the low mark when never committed', () => {
    assert.equal(
      consumerLag(
        [
          {partition: 0, offset: '90'},
          {partition: 1, offset: '-1'},
        ],
        [
          {partition: 0, high: '100', low: '0'},
          {partition: 1, high: '50', low: '20'},
          {partition: 2, high: '5', low: '0'},
        ],
      ),
      10 + 30 + 5,
    )
  })

  it('candidate records feed votes/s and latency in the state', () => {
    const state = new DashboardState()
    const t = Date.now()
    state.ingest(
      'candidate',
      'a',
      JSON.stringify({...candidate('a', 10), last_voting_time: new Date(t - 20_000 - 30).toISOString()}),
      t - 20_000,
    )
    state.ingest(
      'candidate',
      'a',
      JSON.stringify({...candidate('a', 110), last_voting_time: new Date(t - 1000 - 70).toISOString()}),
      t - 1000,
    )
    const s = state.snapshot(new Date(t))
    assert.equal(s.health.votesPerSecond, 10, '100 more votes in the last 10 s')
    assert.equal(s.health.latencyMs.latest, 70)
  })
})

describe('render throttle (fake clock)', () => {
  it('renders the first request at once and a burst as one trailing call at the end of the gap', async () => {
    const clock = new FakeClock()
    let calls = 0
    const t = throttle(() => calls++, 50, clock)
    t.request()
    assert.equal(calls, 1, 'the first request renders at once')
    await clock.tick(10)
    for (let i = 0; i < 20; i++) t.request()
    assert.equal(calls, 1, 'a burst inside the gap waits')
    await clock.tick(39)
    assert.equal(calls, 1, 'still inside the gap')
    await clock.tick(1)
    assert.equal(calls, 2, 'the last request of the burst is not lost: one call at the end of the gap')
    await clock.tick(1000)
    assert.equal(calls, 2, 'nothing more without requests')
    t.request()
    assert.equal(calls, 3, 'after a quiet gap, a request renders at once again')
  })

  it('cancel() drops a pending trailing call', async () => {
    const clock = new FakeClock()
    let calls = 0
    const t = throttle(() => calls++, 50, clock)
    t.request()
    t.request()
    t.cancel()
    await clock.tick(100)
    assert.equal(calls, 1)
    assert.equal(clock.pending, 0)
  })
})
