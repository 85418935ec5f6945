import type {Admin} from 'kafkajs'
import type pg from 'pg'

import {assertPlanFits, deleteTopics, ensureTopics, plannedTopics, type TopicPlan} from '../kafka/admin.js'
import type {TopicNames} from '../kafka/topics.js'
import {createSchema, dropSchema} from '../db/schema.js'
import {withTransaction} from '../db/pool.js'

export interface InitResult {
  reset: boolean
  createdTables: string[]
  /** `table.column`: columns added to a table an older version created. */
  addedColumns: string[]
  createdTopics: string[]
  changed: boolean
}

/** The election's tables (db/) and topics (kafka/), created when missing; with `reset`, dropped and recreated first. */
export async function initialise(pool: pg.Pool, admin: Admin, names: TopicNames, plan: TopicPlan & {reset: boolean}): Promise<InitResult> {
  const topics = plannedTopics(names, plan)
  // Before anything is dropped or created: a plan the cluster refuses must leave no half-made election.
  await assertPlanFits(admin, plan)
  if (plan.reset) {
    await withTransaction(pool, (client) => dropSchema(client))
    await deleteTopics(
      admin,
      topics.map((t) => t.topic),
    )
  }
  // DDL is transactional in Postgres: a failure leaves no half-created schema.
  const {createdTables, addedColumns} = await withTransaction(pool, (client) => createSchema(client))
  const createdTopics = await ensureTopics(admin, topics)
  const changed = plan.reset || createdTables.length + addedColumns.length + createdTopics.length > 0
  return {reset: plan.reset, createdTables, addedColumns, createdTopics, changed}
}
