import type {Message, Producer} from 'kafkajs'
import type pg from 'pg'

import type {TopicNames} from '../kafka/topics.js'
import {
  splitLocationCandidateKey,
  type AgeTurnout,
  type CandidateTotal,
  type Dimension,
  type GenderTurnout,
  type LocationCandidateTotal,
  type LocationTurnout,
  type PartyTotal,
} from '../election/totals.js'
import {readTotals, type DimensionKey, type TotalRow} from './store.js'

/** Any constant: the lock that orders publications across aggregator processes. */
const PUBLISH_LOCK = 0x656c6563

type AggregateRecord = CandidateTotal | LocationTurnout | GenderTurnout | AgeTurnout | PartyTotal | LocationCandidateTotal

function toRecord(row: TotalRow, updatedAt: string): AggregateRecord {
  switch (row.dimension) {
    case 'candidate':
      return {
        candidate_id: row.key,
        candidate_name: row.candidate_name ?? '',
        party_affiliation: row.party_affiliation ?? '',
        photo_url: row.photo_url,
        total_votes: row.total,
        last_voting_time: row.last_voting_time,
        updated_at: updatedAt,
      }
    case 'location':
      return {state: row.key, count: row.total, updated_at: updatedAt}
    case 'gender':
      return {gender: row.key, count: row.total, updated_at: updatedAt}
    case 'age':
      return {age_band: row.key, count: row.total, updated_at: updatedAt}
    case 'party':
      return {party_affiliation: row.key, total_votes: row.total, updated_at: updatedAt}
    case 'location_candidate':
      return {
        ...splitLocationCandidateKey(row.key),
        candidate_name: row.candidate_name ?? '',
        party_affiliation: row.party_affiliation ?? '',
        total_votes: row.total,
        updated_at: updatedAt,
      }
  }
}

/**
 * Publishes the current totals of the given keys (or all). The totals are read and
 * sent while holding a transaction-scoped advisory lock, so publications from
 * several aggregators are ordered: a later publication reads a later (never smaller)
 * total, and the last record per key is always the newest committed value.
 */
export async function publishTotals(pool: pg.Pool, producer: Producer, names: TopicNames, keys?: DimensionKey[]): Promise<number> {
  if (keys && keys.length === 0) return 0
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK])
    const rows = await readTotals(client, keys)
    const updatedAt = new Date().toISOString()
    const byTopic = new Map<string, Message[]>()
    for (const row of rows) {
      const topic = names.aggregates[row.dimension as Dimension]
      const list = byTopic.get(topic) ?? []
      list.push({key: row.key, value: JSON.stringify(toRecord(row, updatedAt))})
      byTopic.set(topic, list)
    }
    if (byTopic.size > 0) await producer.sendBatch({acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({topic, messages}))})
    await client.query('COMMIT')
    return rows.length
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
