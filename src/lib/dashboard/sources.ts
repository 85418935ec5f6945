import {readerConsumer} from '../kafka/read-latest.js'

import type {Admin, Consumer, Kafka, KafkaMessage} from 'kafkajs'
import type pg from 'pg'

import {AGGREGATE_TOPICS, type AggregateKind, type TopicNames} from '../kafka/topics.js'
import type {Counts} from './derive.js'
import {consumerLag} from './health.js'
import type {DashboardState} from './state.js'

/** Topic name to aggregate kind, for the namespaced topics. */
export function aggregateKinds(topics: TopicNames): Map<string, AggregateKind> {
  return new Map(Object.keys(AGGREGATE_TOPICS).map((k) => [topics.aggregates[k as AggregateKind], k as AggregateKind]))
}

/** The aggregate topics that exist now; subscribing to a missing one would create it. */
export async function existingAggregateTopics(admin: Admin, topics: TopicNames): Promise<string[]> {
  const all = new Set(await admin.listTopics())
  return [...aggregateKinds(topics).keys()].filter((t) => all.has(t))
}

/**
 * Each dashboard is a viewer: a throwaway group that never commits. It draws at most once a
 * second, so a fetch gathers records for up to half a second (or 64 KB): two or three fetches a
 * second instead of one per publication of the aggregator (40 a second).
 */
export const viewerConsumer = (kafka: Kafka, namespace: string): Consumer => readerConsumer(kafka, namespace, 'dashboard', 64 * 1024)

/**
 * The records of a batch worth ingesting: a candidate's every record (the race and the rate are
 * drawn from their timestamps), of the other aggregates only each key's last. The aggregator
 * republishes every changed key up to 4 times a second, and a fetch gathers up to half a second,
 * so a batch (and above all the start-up replay) holds a key many times over; parsing only the
 * last is what the compacted topic means anyway.
 */
export function recordsToIngest(kind: AggregateKind, messages: KafkaMessage[]): KafkaMessage[] {
  if (kind === 'candidate') return messages.filter((m) => m.key !== null)
  const last = new Map<string, KafkaMessage>()
  for (const m of messages) if (m.key !== null) last.set(m.key.toString(), m)
  return [...last.values()]
}

/** Subscribes from the beginning and feeds the records into `state` (see recordsToIngest). */
export async function runViewer(
  consumer: Consumer,
  subscribed: string[],
  kinds: Map<string, AggregateKind>,
  state: DashboardState,
  onRecord: () => void,
): Promise<void> {
  await consumer.subscribe({topics: subscribed, fromBeginning: true})
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({batch}) => {
      const kind = kinds.get(batch.topic)
      if (!kind) return
      const records = recordsToIngest(kind, batch.messages)
      for (const m of records) state.ingest(kind, m.key!.toString(), m.value, Number(m.timestamp))
      if (records.length > 0) onRecord()
    },
  })
}

export async function queryCounts(pool: pg.Pool): Promise<Counts> {
  const {rows} = await pool.query<{voters: number; candidates: number; votes: number}>(
    'SELECT (SELECT count(*) FROM voters) AS voters, (SELECT count(*) FROM candidates) AS candidates, ' +
      '(SELECT count(*) FROM votes) AS votes',
  )
  const row = rows[0]!
  return {voters: Number(row.voters), candidates: Number(row.candidates), votes: Number(row.votes)}
}

/** Registered voters per region (the denominator of each region's turnout); an index-only scan of voters_state_idx. */
export async function queryRegistered(pool: pg.Pool): Promise<Map<string, number>> {
  const {rows} = await pool.query<{state: string; n: string}>('SELECT address_state AS state, count(*) AS n FROM voters GROUP BY 1')
  return new Map(rows.map((r) => [r.state, Number(r.n)]))
}

/** The aggregator's lag on the votes topic; null while the topic does not exist. */
export async function fetchLag(admin: Admin, topics: TopicNames): Promise<number | null> {
  if (!(await admin.listTopics()).includes(topics.votes)) return null
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topics.votes),
    admin.fetchOffsets({groupId: topics.groups.aggregate, topics: [topics.votes]}),
  ])
  return consumerLag(committed.find((c) => c.topic === topics.votes)?.partitions ?? [], ends)
}
