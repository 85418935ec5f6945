import type {Candidate} from '../election/candidates.js'
import {usageError} from '../errors.js'
import {DEFAULT_LOCALE, fakerFor} from './locale.js'

export const DEFAULT_PARTIES = ['Management Party', 'Savior Party', 'Tech Republic Party']

/** candidates.party_affiliation is VARCHAR(255): characters, not bytes. */
export const MAX_PARTY_NAME_LENGTH = 255

/**
 * The party names of `--parties` (comma separated), refused as a usage error when Postgres
 * could not store them (it used to fail mid-insert with its own message).
 */
export function partyNames(list: string): string[] {
  const parties = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  if (parties.length === 0) throw usageError('--parties is empty', 'give at least one party name, e.g. --parties "Green Party"')
  // Postgres text cannot hold NUL (0x00).
  if (parties.some((p) => p.includes('\0')))
    throw usageError('--parties has a NUL character, which Postgres cannot store', 'remove it from the party names')
  const long = parties.find((p) => [...p].length > MAX_PARTY_NAME_LENGTH)
  if (long) {
    throw usageError(
      `--parties: a party name is ${[...long].length} characters long, ` +
        `at most ${MAX_PARTY_NAME_LENGTH} fit ("${[...long].slice(0, 20).join('')}…")`,
      `shorten it to ${MAX_PARTY_NAME_LENGTH} characters`,
    )
  }
  return parties
}

/** Deterministic candidates: the same seed gives the same ids, names and parties. */
export function generateCandidates(count: number, parties: string[], seed: number, locale = DEFAULT_LOCALE): Candidate[] {
  const faker = fakerFor(locale, [seed, 0xca2d])
  return Array.from({length: count}, (_, i) => {
    const sex = i % 2 === 0 ? 'male' : 'female'
    const name = `${faker.person.firstName(sex)} ${faker.person.lastName()}`
    return {
      candidate_id: faker.string.uuid(),
      candidate_name: name,
      party_affiliation: parties[i % parties.length]!,
      biography: `${name} ${faker.person.bio()}.`,
      campaign_platform: faker.company.catchPhrase(),
      photo_url: `https://randomuser.me/api/portraits/${sex === 'male' ? 'men' : 'women'}/${faker.number.int(99)}.jpg`,
    }
  })
}
