import type {KafkaMessage} from 'kafkajs'

import type {Ballot} from '../election/votes.js'
import {voterSchema} from '../election/voters.js'
import {decode, rejectedRecord, type Rejected} from '../kafka/messages.js'

/** Chooses a voter's candidate id (deterministic: see Preferences); `offset` is the voters_topic record's. */
export type Chooser = (voter: {voter_id: string; state: string; age: number; offset: number}) => string

export interface Ballots {
  /** One ballot per voter, with the record it came from. */
  ballots: Array<{ballot: Ballot; message: KafkaMessage}>
  /** The records that are no voters, with the reason. */
  rejected: Rejected[]
}

/**
 * The ballots of a chunk of voters_topic records, all cast at `votingTime`: records that do
 * not decode as voters are rejected, and a voter seen twice in one chunk gets one ballot.
 */
export function ballotsOf(messages: KafkaMessage[], choose: Chooser, votingTime: string): Ballots {
  const out: Ballots = {ballots: [], rejected: []}
  const seen = new Set<string>()
  for (const message of messages) {
    const decoded = decode(voterSchema, message.value)
    if (!decoded.ok) {
      out.rejected.push(rejectedRecord(message, decoded))
      continue
    }
    const voter = decoded.value
    if (seen.has(voter.voter_id)) continue
    seen.add(voter.voter_id)
    const candidateId = choose({
      voter_id: voter.voter_id,
      state: voter.address.state,
      age: voter.registered_age,
      offset: Number(message.offset),
    })
    out.ballots.push({ballot: {voter_id: voter.voter_id, candidate_id: candidateId, voting_time: votingTime}, message})
  }
  return out
}
