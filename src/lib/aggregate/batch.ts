import type {KafkaMessage} from 'kafkajs'

import {isAge, isColumn, isId, isObject, isoDatetimePattern} from '../election/fields.js'
import {voteSchema} from '../election/votes.js'
import {decode, rejectedRecord, type Rejected} from '../kafka/messages.js'
import type {ClaimOutcome, VoteClaim} from './store.js'

type VoteFields = ReturnType<typeof voteSchema.parse>

/**
 * voteSchema's checks, by hand, for the common case (a well-formed vote): returns what
 * voteSchema.parse would return, or undefined for anything else, which voteSchema then
 * judges (and names the problem of). It must accept nothing voteSchema refuses: the unit
 * test compares the two on every field's edge cases.
 */
export function quickVote(json: unknown): VoteFields | undefined {
  if (!isObject(json)) return undefined
  const {voter_id, candidate_id, gender, registered_age, voting_time, vote, address} = json
  if (!isId(voter_id) || !isId(candidate_id) || !isColumn(gender) || !isAge(registered_age)) return undefined
  if (typeof voting_time !== 'string' || !isoDatetimePattern.test(voting_time) || vote !== 1 || !isObject(address)) return undefined
  const {state} = address
  if (!isColumn(state)) return undefined
  return {voter_id, candidate_id, gender, registered_age, voting_time, vote, address: {state}}
}

/** A vote claim with its record, and the record's voting_time (for the latency histogram only: counting uses Postgres' own). */
export interface RecordedClaim {
  claim: VoteClaim
  message: KafkaMessage
  voting_time: string
}

/** The vote claims of a batch of votes_topic records, each with its record; records that are no votes are rejected. */
export function claimsOf(messages: KafkaMessage[]): {claims: RecordedClaim[]; rejected: Rejected[]} {
  const claims: RecordedClaim[] = []
  const rejected: Rejected[] = []
  for (const message of messages) {
    const decoded = decode(voteSchema, message.value, quickVote)
    if (decoded.ok) {
      const {voter_id, candidate_id, voting_time} = decoded.value
      claims.push({claim: {voter_id, candidate_id}, message, voting_time})
    } else rejected.push(rejectedRecord(message, decoded))
  }
  return {claims, rejected}
}

/** Sorts what became of the claims: the claims counted now, how many were counted before, and the records refused (added to `rejected`). */
export function sortOutcomes(
  outcomes: Array<{outcome: ClaimOutcome} & RecordedClaim>,
  rejected: Rejected[],
): {counted: RecordedClaim[]; duplicates: number} {
  const counted: RecordedClaim[] = []
  let duplicates = 0
  for (const {outcome, ...recorded} of outcomes) {
    const {message} = recorded
    if (outcome.kind === 'counted') counted.push(recorded)
    else if (outcome.kind === 'duplicate') duplicates++
    else rejected.push(rejectedRecord(message, outcome))
  }
  return {counted, duplicates}
}
