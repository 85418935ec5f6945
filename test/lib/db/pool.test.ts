import assert from 'node:assert/strict'

import type pg from 'pg'

import {createPool} from '../../../src/lib/db/pool.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The pools of the long-running stages, which wait for records between bursts of work. */
describe('db: the pool', () => {
  let t: TestEnv
  let pool: pg.Pool | undefined
  before(async () => {
    t = await freshEnv()
  })
  after(async () => {
    await pool?.end()
    await t?.drop()
  })

  it('keeps its connection through an idle spell longer than pg’s default idle timeout (10 s)', async function () {
    this.timeout(60_000)
    pool = createPool(t.settings.postgres, 1)
    const backend = async () => (await pool!.query<{pid: number}>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    const before = await backend()
    await sleep(11_000)
    assert.equal(pool.totalCount, 1, 'the idle connection was closed')
    assert.equal(await backend(), before, 'another backend answered: the pool reconnected')
  })
})
