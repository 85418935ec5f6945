import type pg from 'pg'

import {sqlState} from './failures.js'
import type {Queryable} from './pool.js'

/**
 * A statement whose INSERT into `table` almost never meets a row already there (a vote stored or
 * counted before: a chunk or batch seen again after a crash or a rebalance), in two forms: `plain`,
 * and `skipping`, the same with ON CONFLICT … DO NOTHING. ON CONFLICT inserts each row speculatively
 * and writes a WAL record more per row to confirm it. With the plain form, aggregate's counting
 * statement took 22-27 % less time per vote and 13-19 % less WAL, vote's 14-22 % and 14 %
 * (bench/README.md, "Inserting without ON CONFLICT").
 */
export interface NewRowsStatement {
  table: string
  plain: string
  skipping: string
}

/** Both forms of a statement: `sql` places the ON CONFLICT clause it is given after its INSERT's rows. */
export const newRowsStatement = (table: string, conflictTarget: string, sql: (onConflict: string) => string): NewRowsStatement => ({
  table,
  plain: sql(''),
  skipping: sql(`ON CONFLICT (${conflictTarget}) DO NOTHING`),
})

const UNIQUE_VIOLATION = '23505'

/** A unique violation on `table`: a row the statement or COPY meant to add was there already (and it added nothing). */
export const isUniqueViolationOn = (error: unknown, table: string): boolean =>
  sqlState(error) === UNIQUE_VIOLATION && (error as {table?: unknown}).table === table

/**
 * Runs the plain form; when a row was already in the table, it failed as a whole (atomic: it left
 * nothing), and the skipping form runs. `db` must not be inside a transaction (a pool, or a client
 * in autocommit): the failure would abort it. Against another transaction inserting the same row, the
 * plain form waits for that one's commit and then fails, so the skipping form sees the row committed.
 * Postgres logs each such failure as an ERROR; they come only after a crash, a rebalance or a record
 * seen twice.
 */
export async function queryNewRows<R extends pg.QueryResultRow>(
  db: Queryable,
  statement: NewRowsStatement,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(statement.plain, values)
  } catch (error) {
    if (!isUniqueViolationOn(error, statement.table)) throw error
    return db.query<R>(statement.skipping, values)
  }
}
