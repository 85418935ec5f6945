import type {Admin, Kafka} from 'kafkajs'
import type pg from 'pg'

import {readLatest} from '../kafka/read-latest.js'
import type {TopicNames} from '../kafka/topics.js'
import {ageBandSql} from '../election/age.js'
import {DIMENSIONS, locationCandidateKeySql, type Dimension} from '../election/totals.js'

export interface Difference {
  dimension: Dimension
  key: string
  expected: number
  published: number
}

export interface VerifyResult {
  ok: boolean
  votes: number
  publishedCandidateTotal: number
  dimensions: Record<Dimension, {keys: number; expectedTotal: number; publishedTotal: number}>
  differences: Difference[]
}

/** Ground truth from Postgres: GROUP BY over votes joined to voters and candidates. */
export async function groundTruth(pool: pg.Pool): Promise<Record<Dimension, Map<string, number>>> {
  const query = async (expr: string) => {
    const {rows} = await pool.query<{key: string; n: number}>(
      `SELECT ${expr} AS key, count(*)::bigint AS n ` +
        'FROM votes vo JOIN voters v USING (voter_id) JOIN candidates c USING (candidate_id) GROUP BY 1',
    )
    return new Map(rows.map((r) => [r.key, r.n]))
  }
  return {
    candidate: await query('c.candidate_id'),
    location: await query('v.address_state'),
    gender: await query('v.gender'),
    age: await query(ageBandSql('v.registered_age')),
    party: await query('c.party_affiliation'),
    location_candidate: await query(locationCandidateKeySql('v.address_state', 'c.candidate_id')),
  }
}

const COUNTS_IN_TOTAL_VOTES: ReadonlySet<Dimension> = new Set(['candidate', 'party', 'location_candidate'])
const valueOf = (dimension: Dimension, record: Record<string, unknown>) =>
  Number(COUNTS_IN_TOTAL_VOTES.has(dimension) ? record.total_votes : record.count)

/**
 * Compares the latest published aggregates (read_committed) with Postgres. The aggregates are
 * read first: a published total only counts votes Postgres already held, and votes are never
 * removed, so while votes flow (demo --chaos checks as it runs) a total can lag Postgres but is
 * never ahead of it unless a vote was counted twice. Read the other way round, totals published
 * between the two reads looked like votes counted twice.
 */
export async function verify(pool: pg.Pool, kafka: Kafka, admin: Admin, names: TopicNames, namespace: string): Promise<VerifyResult> {
  const latest = await readLatest(
    kafka,
    admin,
    DIMENSIONS.map((d) => names.aggregates[d]),
    namespace,
  )
  const truth = await groundTruth(pool)
  const differences: Difference[] = []
  const dimensions = {} as VerifyResult['dimensions']
  for (const dimension of DIMENSIONS) {
    const expected = truth[dimension]
    const published = new Map(
      [...latest.get(names.aggregates[dimension])!].map(([k, r]) => [k, valueOf(dimension, r.value as Record<string, unknown>)]),
    )
    for (const key of new Set([...expected.keys(), ...published.keys()])) {
      const e = expected.get(key) ?? 0
      const p = published.get(key) ?? 0
      if (e !== p) differences.push({dimension, key, expected: e, published: p})
    }
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
    dimensions[dimension] = {keys: expected.size, expectedTotal: sum(expected), publishedTotal: sum(published)}
  }
  const {rows} = await pool.query<{n: number}>('SELECT count(*)::bigint AS n FROM votes')
  return {
    ok: differences.length === 0,
    votes: rows[0]!.n,
    publishedCandidateTotal: dimensions.candidate.publishedTotal,
    dimensions,
    differences,
  }
}
