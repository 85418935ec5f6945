import type {Rejection} from '../kafka/messages.js'

/** A record names a voter Postgres does not hold (vote's ballots, aggregate's claims). */
export const unknownVoter = (): Rejection => ({category: 'unknown_voter', reason: 'unknown voter: not in the voters table'})

/** A record names a candidate Postgres does not hold. */
export const unknownCandidate = (candidateId: string): Rejection => ({
  category: 'unknown_candidate',
  reason: `unknown candidate ${candidateId}: not in the candidates table`,
})
