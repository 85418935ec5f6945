import type {Admin, ITopicConfig} from 'kafkajs'

import {configError, usageError} from '../errors.js'
import {AGGREGATE_TOPICS, BASE_TOPICS, type TopicNames} from './topics.js'

export interface TopicPlan {
  partitions: number
  replicationFactor: number
}

/**
 * A write waits for two copies when there are three or more, so one broker may die without
 * losing an acknowledged vote or stopping the pipeline; with fewer, one copy must do.
 */
export const minInsyncReplicas = (replicationFactor: number) => ({name: 'min.insync.replicas', value: replicationFactor >= 3 ? '2' : '1'})

/** The pipeline's topics; the aggregate topics are compacted (one current value per key). */
export function plannedTopics(names: TopicNames, plan: TopicPlan): ITopicConfig[] {
  const regular = Object.keys(BASE_TOPICS).map((k) => ({
    topic: names[k as keyof typeof BASE_TOPICS],
    numPartitions: plan.partitions,
    replicationFactor: plan.replicationFactor,
    // Headroom for large batches of votes keyed to one partition.
    configEntries: [{name: 'max.message.bytes', value: String(8 * 1024 * 1024)}, minInsyncReplicas(plan.replicationFactor)],
  }))
  const compacted = Object.keys(AGGREGATE_TOPICS).map((k) => ({
    topic: names.aggregates[k as keyof typeof AGGREGATE_TOPICS],
    numPartitions: 1,
    replicationFactor: plan.replicationFactor,
    configEntries: [
      {name: 'cleanup.policy', value: 'compact'},
      {name: 'min.cleanable.dirty.ratio', value: '0.1'},
      {name: 'segment.ms', value: '60000'},
      minInsyncReplicas(plan.replicationFactor),
    ],
  }))
  return [...regular, ...compacted]
}

export async function existingTopics(admin: Admin, topics: string[]): Promise<string[]> {
  const all = new Set(await admin.listTopics())
  return topics.filter((t) => all.has(t))
}

/**
 * What the broker would refuse in CreateTopics, found before init-db creates anything
 * (it used to create the tables, then fail with "Topic creation errors").
 */
export async function assertPlanFits(admin: Admin, plan: TopicPlan): Promise<void> {
  const brokers = (await admin.describeCluster()).brokers.length
  if (plan.replicationFactor > brokers) {
    throw usageError(
      `--replication-factor ${plan.replicationFactor} is more than the ${brokers} broker${brokers === 1 ? '' : 's'} of the cluster`,
      `use --replication-factor ${brokers} or less`,
    )
  }
}

/** The topics a command needs, checked with one metadata request (a producer would retry for 20 s). */
export async function assertTopics(admin: Admin, wanted: string[]): Promise<void> {
  const present = new Set(await existingTopics(admin, wanted))
  const missing = wanted.filter((t) => !present.has(t))
  if (missing.length === 0) return
  const named = missing.length > 3 ? `${missing.slice(0, 3).join(', ')} and ${missing.length - 3} more` : missing.join(', ')
  throw configError(`${missing.length} of ${wanted.length} topics missing (${named}): run \`election init-db\``, 'election init-db')
}

/** Creates what is missing and reports what was created; existing topics are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<string[]> {
  const present = new Set(
    await existingTopics(
      admin,
      topics.map((t) => t.topic),
    ),
  )
  const missing = topics.filter((t) => !present.has(t.topic))
  if (missing.length > 0) {
    await admin.createTopics({topics: missing, waitForLeaders: false})
    await waitForLeaders(
      admin,
      missing.map((t) => t.topic),
    )
  }
  return missing.map((t) => t.topic)
}

/**
 * kafkajs' own `waitForLeaders` gives up when metadata briefly says the new topic is
 * unknown (UNKNOWN_TOPIC_OR_PARTITION); poll until every partition has a leader instead.
 */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      const {topics: metadata} = await admin.fetchTopicMetadata({topics})
      if (metadata.length === topics.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        return
    } catch (error) {
      if (Date.now() > until) throw error
    }
    if (Date.now() > until) throw new Error(`topics without leaders after ${timeoutMs / 1000} s: ${topics.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  const present = await existingTopics(admin, topics)
  if (present.length === 0) return
  await admin.deleteTopics({topics: present, timeout: 30_000})
  // Deletion is asynchronous in the broker; wait until the names are free again.
  for (let i = 0; i < 100; i++) {
    if ((await existingTopics(admin, present)).length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
