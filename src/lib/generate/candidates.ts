import {fakerFor} from './locale.js'

export interface Candidate {
  candidate_id: string
  candidate_name: string
  party_affiliation: string
  biography: string
  campaign_platform: string
  photo_url: string
}

export const DEFAULT_PARTIES = ['Management Party', 'Savior Party', 'Tech Republic Party']

/** Deterministic candidates: the same seed gives the same ids, names and parties. */
export function generateCandidates(count: number, parties: string[], seed: number, locale = 'en_GB'): Candidate[] {
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
