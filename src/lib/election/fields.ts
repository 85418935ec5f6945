import {z} from 'zod'

/**
 * A value for one of the tables' VARCHAR(255) columns: checked on the way in, so that a
 * record Postgres would refuse is dead-lettered with a precise reason before it reaches a batch.
 */
export const column = z
  .string()
  .max(255)
  .refine((s) => !s.includes('\u0000'), {error: 'contains a NUL character (\\u0000), which Postgres text cannot hold'})
export const id = column.min(1)
export const age = z.number().int().min(0).max(150)

/** Postgres' TIMESTAMPTZ as the records carry it: ISO 8601 in UTC with milliseconds. */
export const isoTimeSql = (expression: string) => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** `unnest($1::text[], $2::int[], …)`: one array parameter per column, cast to the column's type. */
export const unnestOf = (types: readonly string[]) => `unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`
