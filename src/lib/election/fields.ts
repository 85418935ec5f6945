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

/** The checks above as plain predicates, for hand-written fast paths that must accept no more than the schemas. */
export const isColumn = (value: unknown): value is string => typeof value === 'string' && value.length <= 255 && !value.includes('\u0000')
export const isId = (value: unknown): value is string => isColumn(value) && value.length >= 1
export const isAge = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 150
/** The pattern z.iso.datetime({offset: true}) checks. */
export const isoDatetimePattern = z.regexes.datetime({offset: true})
/** A JSON object (not an array, not null), as z.object requires. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Postgres' TIMESTAMPTZ as the records carry it: ISO 8601 in UTC with milliseconds. */
export const isoTimeSql = (expression: string) => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** `unnest($1::text[], $2::int[], …)`: one array parameter per column, cast to the column's type. */
export const unnestOf = (types: readonly string[]) => `unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`
