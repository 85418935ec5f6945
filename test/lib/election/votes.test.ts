import assert from 'node:assert/strict'

import pg from 'pg'

import {castVotes, type Queryable} from '../../../src/lib/election/votes.js'
import {freshTables, type Tables} from '../../helpers/services.js'

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  Plans?: PlanNode[]
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

/** castVotes' plan against a real Postgres, in the state a first `vote` run finds its tables in. */
describe('votes: storing a chunk of ballots', () => {
  let tables: Tables | undefined
  let pool: pg.Pool
  before(async () => {
    tables = await freshTables()
    pool = tables.pool
    await pool.query(`INSERT INTO candidates (candidate_id, candidate_name, party_affiliation) VALUES ('c1', 'C', 'P')`)
    await pool.query(`INSERT INTO voters (voter_id, voter_name) SELECT 'v' || n, 'n' FROM generate_series(1, 100000) AS n`)
    // As after init-db and a minute of `vote`: many votes, and statistics that never saw them
    // (autoanalyze has not run yet; here it never will).
    await pool.query(`ALTER TABLE votes SET (autovacuum_enabled = false)`)
    await pool.query(
      `INSERT INTO votes (voter_id, candidate_id, voting_time) SELECT 'v' || n, 'c1', now() FROM generate_series(1, 90000) AS n`,
    )
  })
  after(async () => {
    await tables?.drop()
  })

  it('looks the earlier votes up by key, never scanning the votes table, even when its statistics lag behind it', async () => {
    const client = await pool.connect()
    const plans: PlanNode[] = []
    // Every statement castVotes runs is planned and run (then rolled back), and its plan kept.
    const explaining: Queryable = {
      query: (async (text: string, values: unknown[]) => {
        const {rows} = await client.query<{'QUERY PLAN': Array<{Plan: PlanNode}>}>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values)
        plans.push(rows[0]!['QUERY PLAN'][0]!.Plan)
        return {rows: []}
      }) as unknown as Queryable['query'],
    }
    try {
      await client.query('BEGIN')
      // Half of them voted before (their votes are read back), half are new.
      const ballots = Array.from({length: 1000}, (_, i) => ({
        voter_id: `v${89501 + i}`,
        candidate_id: 'c1',
        voting_time: new Date(0).toISOString(),
      }))
      await castVotes(explaining, ballots)
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
    assert.ok(plans.length > 0)
    const scans = plans
      .flatMap(nodesOf)
      .filter((n) => n['Node Type'] === 'Seq Scan' && ['votes', 'voters'].includes(n['Relation Name'] ?? ''))
    assert.deepEqual(
      scans.map((n) => n['Relation Name']),
      [],
      'a whole-table scan per chunk costs more as the tables grow',
    )
  })
})
