import type pg from 'pg'

import {configError} from '../errors.js'

/**
 * The reference pipeline's tables, with one vote per voter enforced by the database
 * (`votes.voter_id` its primary key), plus the aggregator's own state (see docs/architecture.md).
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS candidates (
  candidate_id VARCHAR(255) PRIMARY KEY,
  candidate_name VARCHAR(255) NOT NULL,
  party_affiliation VARCHAR(255) NOT NULL,
  biography TEXT,
  campaign_platform TEXT,
  photo_url TEXT
);
CREATE TABLE IF NOT EXISTS voters (
  voter_id VARCHAR(255) PRIMARY KEY,
  voter_name VARCHAR(255) NOT NULL,
  date_of_birth DATE,
  gender VARCHAR(255),
  nationality VARCHAR(255),
  registration_number VARCHAR(255),
  address_street VARCHAR(255),
  address_city VARCHAR(255),
  address_state VARCHAR(255),
  address_country VARCHAR(255),
  address_postcode VARCHAR(255),
  email VARCHAR(255),
  phone_number VARCHAR(255),
  cell_number VARCHAR(255),
  picture TEXT,
  registered_age INTEGER
);
-- The reference also had PRIMARY KEY (voter_id, candidate_id) beside voter_id UNIQUE: implied by
-- it, and the largest index of the table (random keys: an index page and its WAL per vote). One key.
-- No foreign keys (the reference had none): the statement that stores votes checks the voter and
-- the candidate itself; their triggers' row locks were a third of Postgres' work per vote.
-- The last three columns copy the voter's facts the aggregator counts by, written by the statement
-- that stores the vote (it looks the voter up anyway). Counting then reads one row per vote instead
-- of two: the voter's row was the largest index and heap of every count (bench/README.md, "The
-- voter's facts in the vote"). Voters are never changed, so the copies are the voters' own facts.
-- NULL in all three: a vote stored without them (an older version, another writer); counted from voters.
CREATE TABLE IF NOT EXISTS votes (
  voter_id VARCHAR(255) PRIMARY KEY,
  candidate_id VARCHAR(255) NOT NULL,
  voting_time TIMESTAMPTZ NOT NULL,
  vote INTEGER DEFAULT 1,
  address_state VARCHAR(255),
  gender VARCHAR(255),
  registered_age INTEGER
);
CREATE INDEX IF NOT EXISTS votes_candidate_idx ON votes (candidate_id);
CREATE INDEX IF NOT EXISTS voters_state_idx ON voters (address_state);

-- Aggregator state: which votes are counted, and the running totals, committed together.
CREATE TABLE IF NOT EXISTS aggregator_counted_votes (
  voter_id VARCHAR(255) PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS aggregator_totals (
  dimension TEXT NOT NULL,
  key TEXT NOT NULL,
  total BIGINT NOT NULL,
  last_voting_time TIMESTAMPTZ,
  PRIMARY KEY (dimension, key)
);
`

export const TABLES = ['candidates', 'voters', 'votes', 'aggregator_counted_votes', 'aggregator_totals'] as const

export async function existingTables(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const {rows} = await client.query<{table_name: string}>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [TABLES],
  )
  return rows.map((r) => r.table_name)
}

/** Columns added to a table after its first release, with their types; init-db adds them to a table created before. */
const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  votes: {address_state: 'VARCHAR(255)', gender: 'VARCHAR(255)', registered_age: 'INTEGER'},
}

/** Adds them (run only when some are missing: ALTER TABLE waits for every statement on the table). */
const UPGRADE_SQL = Object.entries(ADDED_COLUMNS)
  .map(([table, columns]) => {
    const additions = Object.entries(columns).map(([column, type]) => `ADD COLUMN IF NOT EXISTS ${column} ${type}`)
    return `ALTER TABLE ${table} ${additions.join(', ')};`
  })
  .join('\n')

async function missingColumns(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const wanted = Object.entries(ADDED_COLUMNS).flatMap(([table, columns]) => Object.keys(columns).map((column) => `${table}.${column}`))
  const {rows} = await client.query<{name: string}>(
    `SELECT table_name || '.' || column_name AS name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name || '.' || column_name = ANY($1)`,
    [wanted],
  )
  const present = new Set(rows.map((r) => r.name))
  return wanted.filter((c) => !present.has(c))
}

/**
 * Every command but init-db needs the tables; say how to get them. `columns`: the columns added
 * since too (vote and aggregate read and write them; the other commands work on older tables).
 */
export async function assertSchema(client: pg.ClientBase | pg.Pool, options: {columns?: boolean} = {}): Promise<void> {
  const present = new Set(await existingTables(client))
  const missing = TABLES.filter((t) => !present.has(t))
  if (missing.length > 0) throw configError(`tables missing (${missing.join(', ')}): run \`election init-db\``, 'election init-db')
  if (!options.columns) return
  const columns = await missingColumns(client)
  if (columns.length > 0)
    throw configError(
      `columns missing (${columns.join(', ')}), the tables are from an older version: run \`election init-db\` to add them`,
      'election init-db',
    )
}

/** Creates the tables that are missing and adds the columns a table from an older version lacks. */
export async function createSchema(client: pg.ClientBase): Promise<{createdTables: string[]; addedColumns: string[]}> {
  const before = new Set(await existingTables(client))
  const lacking = before.size > 0 ? await missingColumns(client) : []
  await client.query(SCHEMA_SQL)
  if (lacking.length > 0) await client.query(UPGRADE_SQL)
  return {createdTables: TABLES.filter((t) => !before.has(t)), addedColumns: lacking.filter((c) => before.has(c.split('.')[0]!))}
}

export async function dropSchema(client: pg.ClientBase): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${[...TABLES].reverse().join(', ')} CASCADE`)
}
