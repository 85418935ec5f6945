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
 * transaction rolled back at the end), and returns what Postgres said of each, in order.
 * The statements see no rows (the code under test gets none back), so use it on their plans.
 */
export async function explainStatements(pool: pg.Pool, run: (db: Queryable) => Promise<unknown>): Promise<Explained[]> {
  const client = await pool.connect()
  const explained: Explained[] = []
  const explaining: Queryable = {
    query: (async (text: string, values: unknown[]) => {
      const {rows} = await client.query<{'QUERY PLAN': Explained[]}>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values)
      explained.push(rows[0]!['QUERY PLAN'][0]!)
      return {rows: []}
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
