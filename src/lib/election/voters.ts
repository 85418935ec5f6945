import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type pg from 'pg'
import {from as copyFrom} from 'pg-copy-streams'
import {z} from 'zod'

import {age, column, id, unnestOf} from './fields.js'

export interface Address {
  street: string
  city: string
  state: string
  country: string
  postcode: string
}

/** A voter as published on voters_topic (the reference's shape: nested address). */
export interface Voter {
  voter_id: string
  voter_name: string
  date_of_birth: string
  gender: string
  nationality: string
  registration_number: string
  address: Address
  email: string
  phone_number: string
  cell_number: string
  picture: string
  registered_age: number
}

/**
 * What `vote` checks of a voters_topic record before choosing for it: the fields it uses
 * and the columns a vote stores, against the tables' constraints. Field order is the order
 * problems are reported in.
 */
export const voterSchema = z.object({
  voter_id: id,
  voter_name: column,
  gender: column,
  registered_age: age,
  address: z.object({state: column}),
}) satisfies z.ZodType<Partial<Omit<Voter, 'address'>> & {address: Partial<Address>}>

/**
 * The voters table, in column order: the Postgres type of each column and the voter field
 * it holds. The INSERT, its parameters and the SELECT that reads a voter back all come from here.
 */
const VOTER_TABLE: ReadonlyArray<{column: string; type: string; value: (v: Voter) => unknown; select?: string}> = [
  {column: 'voter_id', type: 'text', value: (v) => v.voter_id},
  {column: 'voter_name', type: 'text', value: (v) => v.voter_name},
  {column: 'date_of_birth', type: 'date', value: (v) => v.date_of_birth, select: "to_char(v.date_of_birth, 'YYYY-MM-DD') AS date_of_birth"},
  {column: 'gender', type: 'text', value: (v) => v.gender},
  {column: 'nationality', type: 'text', value: (v) => v.nationality},
  {column: 'registration_number', type: 'text', value: (v) => v.registration_number},
  ...(['street', 'city', 'state', 'country', 'postcode'] as const).map((k) => ({
    column: `address_${k}`,
    type: 'text',
    value: (v: Voter) => v.address[k],
  })),
  {column: 'email', type: 'text', value: (v) => v.email},
  {column: 'phone_number', type: 'text', value: (v) => v.phone_number},
  {column: 'cell_number', type: 'text', value: (v) => v.cell_number},
  {column: 'picture', type: 'text', value: (v) => v.picture},
  {column: 'registered_age', type: 'int', value: (v) => v.registered_age},
]

const isAddress = (column: string) => column.startsWith('address_')

/** The voter's fields for a SELECT over `voters v`, each named as its record field: all but the address (see ADDRESS_SELECT). */
export const VOTER_FIELDS_SELECT = VOTER_TABLE.filter((c) => !isAddress(c.column))
  .map((c) => c.select ?? `v.${c.column}`)
  .join(', ')

/**
 * The voter's address for a SELECT over `voters v`: one nested record named `address`, its fields in
 * table order, which `row_to_json` writes as a nested object (the records' shape).
 */
export const ADDRESS_SELECT = `(SELECT a FROM (SELECT ${VOTER_TABLE.filter((c) => isAddress(c.column))
  .map((c) => `v.${c.column} AS ${c.column.slice('address_'.length)}`)
  .join(', ')}) a) AS address`

/** One multi-row INSERT per batch (unnest of column arrays); existing voters are skipped. Returns the ids inserted. */
export async function insertVoters(client: pg.ClientBase, voters: Voter[]): Promise<Set<string>> {
  const {rows} = await client.query<{voter_id: string}>(
    `INSERT INTO voters (${VOTER_TABLE.map((c) => c.column).join(', ')})
     SELECT * FROM ${unnestOf(VOTER_TABLE.map((c) => c.type))}
     ON CONFLICT (voter_id) DO NOTHING RETURNING voter_id`,
    VOTER_TABLE.map((c) => voters.map(c.value)),
  )
  return new Set(rows.map((r) => r.voter_id))
}

/** What COPY's text format escapes in a field (NULL is written \\N). */
const COPY_ESCAPES: Record<string, string> = {'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'}
const HAS_COPY_SPECIAL = /[\\\t\n\r]/
const COPY_SPECIALS = /[\\\t\n\r]/g

/** One field in COPY's text format; most need no escaping, and a test is cheaper than a replace. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  const text = String(value)
  return HAS_COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : text
}

const COPY_VOTERS = `COPY voters (${VOTER_TABLE.map((c) => c.column).join(', ')}) FROM STDIN`

/**
 * Stores a batch of voters new to Postgres with one COPY, and returns their ids: COPY is Postgres'
 * cheapest way in, and a batch through it costs Postgres less than insertVoters' speculative insert of 16
 * unnested arrays (+12.5 % voters/s: bench/README.md, "register-voters through COPY"). It cannot skip a voter already
 * there: then it fails as a whole with a unique violation on voters (isUniqueViolationOn), having
 * stored nothing, and leaves the caller's transaction aborted; insertVoters is the way for such a batch.
 */
export async function copyVoters(client: pg.ClientBase, voters: Voter[]): Promise<Set<string>> {
  const text = voters.map((voter) => VOTER_TABLE.map((c) => copyField(c.value(voter))).join('\t')).join('\n')
  await pipeline(Readable.from([`${text}\n`]), client.query(copyFrom(COPY_VOTERS)))
  return new Set(voters.map((v) => v.voter_id))
}
