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
} as const

export const GROUPS = {
  vote: 'voting-group',
  aggregate: 'election-aggregator',
} as const

export type AggregateKind = keyof typeof AGGREGATE_TOPICS

export function namespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.ELECTION_NAMESPACE ?? ''
}

export function topicNames(env: NodeJS.ProcessEnv = process.env) {
  const ns = namespace(env)
  const prefix = <T extends Record<string, string>>(names: T) =>
    Object.fromEntries(Object.entries(names).map(([k, v]) => [k, ns + v])) as {[K in keyof T]: string}
  return {...prefix(BASE_TOPICS), aggregates: prefix(AGGREGATE_TOPICS), groups: prefix(GROUPS)}
}

export type TopicNames = ReturnType<typeof topicNames>
