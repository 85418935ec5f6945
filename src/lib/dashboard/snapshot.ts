import type {Admin, Kafka} from 'kafkajs'
import type pg from 'pg'

import {readToEnd, type ReadOptions} from '../kafka/read-latest.js'
import type {TopicNames} from '../kafka/topics.js'
import {aggregateKinds, existingAggregateTopics, fetchLag, queryCounts, queryRegistered} from './sources.js'
import {DashboardState} from './state.js'
import type {Snapshot} from './types.js'

/** Reads every aggregate topic up to its current high watermark and returns one snapshot. */
export async function readSnapshot(
  kafka: Kafka,
  admin: Admin,
  pool: pg.Pool,
  topics: TopicNames,
  namespace: string,
  options: ReadOptions = {},
): Promise<Snapshot> {
  const state = new DashboardState()
  state.counts = await queryCounts(pool)
  state.registered = await queryRegistered(pool)
  state.postgres = {status: 'connected'}
  state.lag = await fetchLag(admin, topics)
  const kinds = aggregateKinds(topics)
  await readToEnd(
    kafka,
    admin,
    await existingAggregateTopics(admin, topics),
    namespace,
    (topic, key, value, timestamp) => {
      const kind = kinds.get(topic)
      if (kind) state.ingest(kind, key, value, timestamp)
    },
    options,
  )
  state.kafka = {status: 'connected'}
  return state.snapshot()
}
