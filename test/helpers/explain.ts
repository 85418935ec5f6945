import type pg from 'pg'

import type {Queryable} from '../../src/lib/db/pool.js'

export interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'CTE Name'?: string
  'Actual Loops'?: number
  Plans?: PlanNode[]
}

export interface Explained {
  Plan: PlanNode
  Triggers?: Array<{'Trigger Name': string; Calls: number}>
}

/** A plan node and every node under it. */
export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

/**
 * Runs `run` with every statement it sends explained (EXPLAIN ANALYZE: run for real, in one
 * transaction rolled back at the end), and returns what Postgres said of each that succeeded, in order.
 * The statements see no rows (the code under test gets none back), so use it on their plans.
 */
export async function explainStatements(pool: pg.Pool, run: (db: Queryable) => Promise<unknown>): Promise<Explained[]> {
  const client = await pool.connect()
  const explained: Explained[] = []
  const explaining: Queryable = {
    query: (async (text: string, values: unknown[]) => {
      // A statement that fails (a plain INSERT meeting a row already there, say) must not abort the
      // transaction under the statements the code sends after it: only its own savepoint is rolled back.
      await client.query('SAVEPOINT statement')
      try {
        const {rows} = await client.query<{'QUERY PLAN': Explained[]}>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values)
        explained.push(rows[0]!['QUERY PLAN'][0]!)
        return {rows: []}
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT statement')
        throw error
      }
    }) as unknown as Queryable['query'],
  }
  try {
    await client.query('BEGIN')
    await run(explaining)
  } finally {
    await client.query('ROLLBACK')
    client.release()
  }
  return explained
}

/** A Queryable that runs every statement on `pool` and keeps its text, in order, in `statements`. */
export function recordingStatements(pool: pg.Pool): {db: Queryable; statements: string[]} {
  const statements: string[] = []
  const db: Queryable = {
    query: ((text: string, values: unknown[]) => {
      statements.push(text)
      return pool.query(text, values)
    }) as Queryable['query'],
  }
  return {db, statements}
}
