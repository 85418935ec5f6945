import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import pg from 'pg'

import type {DemoResult} from '../../src/commands/demo.js'
import {STATE_CODES} from '../../src/lib/dashboard/us-tiles.js'
import {resolveSettings} from '../../src/lib/config/settings.js'
import {readEvents} from '../../src/lib/demo/events.js'
import {DEMO_DATABASE, DEMO_NAMESPACE} from '../../src/lib/demo/index.js'
import {runJson} from '../helpers/cli.js'
import {assertExactlyOnce} from '../helpers/pipeline.js'
import {baseSettings, type TestEnv} from '../helpers/services.js'

describe('election demo (no TTY)', () => {
  let home: string
  let env: NodeJS.ProcessEnv
  before(async () => {
    // The suite's services through the environment; a state folder of its own for the demo's logs.
    const base = await baseSettings()
    home = await mkdtemp(path.join(tmpdir(), 'election-demo-'))
    env = {...process.env, ELECTION_HOME: home, KAFKA_BROKERS: base.kafka.brokers.join(','), DATABASE_URL: base.postgres.url, NO_COLOR: '1'}
    delete env.ELECTION_NAMESPACE
  })
  after(async () => {
    await rm(home, {recursive: true, force: true})
    const client = new pg.Client({connectionString: (await baseSettings()).postgres.url})
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`)
    await client.end()
  })

  it('refuses an unknown --locale in one line (exit 2) before it starts anything', async () => {
    const {code, json} = await runJson<{error: {message: string}}>(['demo', '--locale', 'xx_YY'], env)
    assert.equal(code, 2)
    assert.match(json.error.message, /--locale: unknown locale "xx_YY"/)
    assert.ok(!existsSync(path.join(home, 'demo')), 'no demo folder: nothing started')
  })

  it('--voters 300 --rate 300 --locale en_US runs the whole pipeline to completion and verifies exactly', async () => {
    const {code, json, stderr} = await runJson<DemoResult>(['demo', '--voters', '300', '--rate', '300', '--locale', 'en_US'], env, 300_000)
    assert.equal(code, 0, stderr)
    assert.equal(json.voters, 300)
    assert.deepEqual(json.verify.differences, [])
    assert.equal(json.verify.ok, true)
    assert.equal(json.verify.votes, 300, 'every registered voter voted')
    assert.equal(json.verify.publishedCandidateTotal, 300, 'the aggregates count every vote once')
    for (const [dimension, d] of Object.entries(json.verify.dimensions)) assert.equal(d.publishedTotal, 300, `${dimension} totals`)
    assert.ok(json.verify.dimensions.location_candidate.keys > json.verify.dimensions.location.keys, 'per region and candidate')
    const demoUrl = new URL((await baseSettings()).postgres.url)
    demoUrl.pathname = `/${DEMO_DATABASE}`
    const states = new pg.Pool({connectionString: demoUrl.toString()})
    try {
      const {rows} = await states.query<{state: string}>('SELECT DISTINCT address_state AS state FROM voters')
      assert.ok(
        rows.length > 20 && rows.every((r) => r.state in STATE_CODES),
        `en_US voters live in US states: ${rows.map((r) => r.state).join(', ')}`,
      )
    } finally {
      await states.end()
    }
    for (const stage of ['vote', 'aggregate'])
      assert.ok(existsSync(path.join(home, 'demo', `${stage}.log`)), `${stage}.log in the state folder`)
  })

  it('--chaos: vote and aggregate killed (kill -9) and restarted mid-run, and still exactly once', async () => {
    const VOTERS = 3000
    const {code, json, stderr} = await runJson<DemoResult>(['demo', '--chaos', '--voters', String(VOTERS), '--rate', '200'], env, 300_000)
    assert.equal(code, 0, stderr)
    const kills = json.chaos!.kills
    // 15 s of voting at the least, a kill every 4 to 9 s, vote and aggregate in turn.
    assert.ok(kills.length >= 2, `${kills.length} kills`)
    assert.deepEqual(new Set(kills.map((k) => k.stage)), new Set(['vote', 'aggregate']))
    for (const k of kills) assert.ok(k.pid !== null && k.restartedPid !== null && k.pid !== k.restartedPid, JSON.stringify(k))
    assert.equal(json.verify.ok, true, JSON.stringify(json.verify.differences.slice(0, 5)))
    // What the dashboard would have shown: the same kills, and live checks that never found a vote counted twice.
    const events = readEvents(path.join(home, 'demo', 'events.jsonl'))
    assert.deepEqual(
      events.flatMap(({type, ...kill}) => (type === 'kill' ? [kill] : [])),
      kills,
    )
    const checks = events.flatMap((e) => (e.type === 'check' ? [e] : []))
    assert.ok(checks.length >= 1, 'a check every 10 s while voting')
    for (const c of checks) assert.equal(c.countedTwice, 0, JSON.stringify(c))
    // And votes_topic (read_committed) holds one record per voter: the demo's election, read as the suite reads its own.
    const demoUrl = new URL((await baseSettings()).postgres.url)
    demoUrl.pathname = `/${DEMO_DATABASE}`
    const demoEnv = {...env, DATABASE_URL: demoUrl.toString(), ELECTION_NAMESPACE: DEMO_NAMESPACE}
    const t: TestEnv = {
      env: demoEnv,
      settings: resolveSettings({}, demoEnv, {}),
      namespace: DEMO_NAMESPACE,
      database: DEMO_DATABASE,
      drop: async () => {},
    }
    await assertExactlyOnce(t, VOTERS)
  })
})
