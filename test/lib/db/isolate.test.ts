import assert from 'node:assert/strict'

import pg from 'pg'

import {postgresPoolConfig} from '../../../src/lib/config/settings.js'
import {failureKind} from '../../../src/lib/db/failures.js'
import {isolateDataErrors} from '../../../src/lib/db/isolate.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

/** Real Postgres errors, classified by SQLSTATE, and a chunk with poison rows split down to them. */
describe('db: data errors told from outages, and isolated', () => {
  let t: TestEnv
  let pool: pg.Pool
  before(async () => {
    t = await freshEnv()
    pool = new pg.Pool(postgresPoolConfig(t.settings.postgres))
    await pool.query('CREATE TABLE items (id VARCHAR(8) PRIMARY KEY)')
  })
  after(async () => {
    await pool?.end()
    await t?.drop()
  })

  const errorOf = async (sql: string, params: unknown[] = []) =>
    pool.query(sql, params).then(
      () => assert.fail(`no error from ${sql}`),
      (e: unknown) => e,
    )

  it('classifies what Postgres itself answers: too long, NUL, duplicate key are data; a missing table is fatal', async () => {
    assert.equal(failureKind(await errorOf('INSERT INTO items VALUES ($1)', ['x'.repeat(9)])), 'data')
    assert.equal(failureKind(await errorOf('INSERT INTO items VALUES ($1)', ['a\u0000b'])), 'data')
    await pool.query(`INSERT INTO items VALUES ('dup')`)
    assert.equal(failureKind(await errorOf(`INSERT INTO items VALUES ('dup')`)), 'data')
    assert.equal(failureKind(await errorOf('SELECT * FROM no_such_table')), 'fatal')
    assert.equal(failureKind(await errorOf('SELECT pg_terminate_backend(pg_backend_pid())')), 'outage')
  })

  it('a refused connection is an outage; a programming error is fatal', async () => {
    const closed = new pg.Client({host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000})
    assert.equal(
      failureKind(
        await closed.connect().then(
          () => assert.fail('connected'),
          (e: unknown) => e,
        ),
      ),
      'outage',
    )
    assert.equal(failureKind(new TypeError('x is undefined')), 'fatal')
  })

  it('splits a refused chunk down to the poison rows, stores every other row, and passes other errors on', async () => {
    const ids = Array.from({length: 40}, (_, i) => `r${i}`)
    const poison = new Set(['r3', 'r17', 'r38'])
    const rows = ids.map((id) => (poison.has(id) ? `${id}-too-long` : id))
    let statements = 0
    const insert = async (part: string[]) => {
      statements++
      await pool.query('INSERT INTO items SELECT unnest($1::text[])', [part])
      return part.length
    }
    const {results, refused} = await isolateDataErrors(rows, insert)
    assert.deepEqual(refused.map((r) => r.item).sort(), [...poison].map((id) => `${id}-too-long`).sort())
    for (const r of refused) assert.match(r.reason, /too long.*SQLSTATE 22001/)
    assert.equal(
      results.reduce((a, b) => a + b, 0),
      40 - poison.size,
    )
    const {rows: stored} = await pool.query<{n: number}>(`SELECT count(*)::int AS n FROM items WHERE id LIKE 'r%'`)
    assert.equal(stored[0]!.n, 40 - poison.size)
    assert.ok(statements < 40, `isolated with ${statements} statements, not one per row`)
    await assert.rejects(
      isolateDataErrors(['x'], async () => pool.query('SELECT * FROM no_such_table')),
      /no_such_table/,
    )
  })
})
