import {usageError} from '../errors.js'

/**
 * Topic and consumer-group names. They follow the reference pipeline so existing
 * consumers keep working; ELECTION_NAMESPACE prefixes all of them so several
 * elections (or test runs) can share one cluster.
 */
export const BASE_TOPICS = {
  candidates: 'candidates_topic',
  voters: 'voters_topic',
  votes: 'votes_topic',
  deadLetter: 'election_dead_letter',
} as const

export const AGGREGATE_TOPICS = {
  candidate: 'aggregated_votes_per_candidate',
  location: 'aggregated_turnout_by_location',
  gender: 'aggregated_turnout_by_gender',
  age: 'aggregated_turnout_by_age',
  party: 'aggregated_party_wise_votes',
  location_candidate: 'aggregated_votes_per_location_candidate',
} as const

export const GROUPS = {
  vote: 'voting-group',
  aggregate: 'election-aggregator',
} as const

export type AggregateKind = keyof typeof AGGREGATE_TOPICS

// Kafka's rules for a topic name; a namespace that breaks them used to fail only at topic
// creation, after init-db had created the tables.
const TOPIC_NAME_CHARS = /[a-zA-Z0-9._-]/
const MAX_TOPIC_NAME_LENGTH = 249
const LONGEST_TOPIC = [...Object.values(BASE_TOPICS), ...Object.values(AGGREGATE_TOPICS)].reduce((a, b) => (b.length > a.length ? b : a))
export const MAX_NAMESPACE_LENGTH = MAX_TOPIC_NAME_LENGTH - LONGEST_TOPIC.length

/**
 * The namespace (`--namespace`, or ELECTION_NAMESPACE through the flag's env fallback), refused
 * (a usage error naming both) unless every topic name made from it is legal.
 */
export function namespace(value = ''): string {
  const illegal = [...new Set([...value].filter((c) => !TOPIC_NAME_CHARS.test(c)))]
  if (illegal.length > 0) {
    throw usageError(
      `--namespace (ELECTION_NAMESPACE) has characters Kafka does not allow in topic names: ` +
        illegal.map((c) => JSON.stringify(c)).join(' '),
      'use only letters, digits, ".", "_" and "-", e.g. --namespace staging.',
    )
  }
  if (value.length > MAX_NAMESPACE_LENGTH) {
    throw usageError(
      `--namespace (ELECTION_NAMESPACE) is ${value.length} characters long; at most ${MAX_NAMESPACE_LENGTH} fit ` +
        `before "${LONGEST_TOPIC}" in a topic name (${MAX_TOPIC_NAME_LENGTH} at most)`,
      'use a shorter namespace',
    )
  }
  return value
}

/** Every topic and group name of the election in `ns` (validated). */
export function namesIn(ns: string) {
  const valid = namespace(ns)
  const prefix = <T extends Record<string, string>>(names: T) =>
    Object.fromEntries(Object.entries(names).map(([k, v]) => [k, valid + v])) as {[K in keyof T]: string}
  return {...prefix(BASE_TOPICS), aggregates: prefix(AGGREGATE_TOPICS), groups: prefix(GROUPS)}
}

/** The names a process started with this environment uses (tests, the benchmark, the demo's children). */
export const topicNames = (env: NodeJS.ProcessEnv = process.env) => namesIn(env.ELECTION_NAMESPACE ?? '')

export type TopicNames = ReturnType<typeof topicNames>
