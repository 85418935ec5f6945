import type {KafkaMessage} from 'kafkajs'

import {voteSchema} from '../election/votes.js'
import {decode, rejectedRecord, type Rejected} from '../kafka/messages.js'
import type {ClaimOutcome, CountedVote, VoteClaim} from './store.js'

/** The vote claims of a batch of votes_topic records, each with its record; records that are no votes are rejected. */
export function claimsOf(messages: KafkaMessage[]): {claims: Array<{claim: VoteClaim; message: KafkaMessage}>; rejected: Rejected[]} {
  const claims: Array<{claim: VoteClaim; message: KafkaMessage}> = []
  const rejected: Rejected[] = []
  for (const message of messages) {
    const decoded = decode(voteSchema, message.value)
    if (decoded.ok) claims.push({claim: {voter_id: decoded.value.voter_id, candidate_id: decoded.value.candidate_id}, message})
    else rejected.push(rejectedRecord(message, decoded))
  }
  return {claims, rejected}
}

/** Sorts what became of the claims: the votes counted now, how many were counted before, and the records refused (added to `rejected`). */
export function sortOutcomes(outcomes: Array<{outcome: ClaimOutcome; message: KafkaMessage}>, rejected: Rejected[]): {counted: CountedVote[]; duplicates: number} {
  const counted: CountedVote[] = []
  let duplicates = 0
  for (const {outcome, message} of outcomes) {
    if (outcome.kind === 'counted') counted.push(outcome.vote)
    else if (outcome.kind === 'duplicate') duplicates++
    else rejected.push(rejectedRecord(message, outcome))
  }
  return {counted, duplicates}
}
