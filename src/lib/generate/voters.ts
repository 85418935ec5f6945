import {fakerFor, regions} from './locale.js'
import type {Voter} from '../election/voters.js'
import {Rng} from '../random.js'

interface Pools {
  first: {male: string[]; female: string[]}
  last: string[]
  streets: string[]
  cities: string[]
  regions: string[]
  postcodes: string[]
  domains: string[]
  country: string
  nationality: string
}

const POOL = 400
// Ages are computed against a fixed day so that a seed gives the same voters on any day.
const REFERENCE_DAY = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

/** Faker builds the pools once per seed and locale; each voter then costs a few PRNG draws. */
function buildPools(seed: number, locale: string): Pools {
  const faker = fakerFor(locale, [seed, 0x7001])
  const many = (make: () => string, n = POOL) => Array.from({length: n}, make)
  return {
    first: {male: many(() => faker.person.firstName('male')), female: many(() => faker.person.firstName('female'))},
    last: many(() => faker.person.lastName()),
    streets: many(() => faker.location.street()),
    cities: many(() => faker.location.city()),
    regions: regions(faker),
    postcodes: many(() => faker.location.zipCode()),
    domains: ['example.com', 'example.org', 'example.net', 'mail.test'],
    country: faker.location.country(),
    nationality: locale.includes('_') ? locale.split('_')[1]!.toUpperCase() : locale.toUpperCase(),
  }
}

export class VoterFactory {
  private readonly pools: Pools

  constructor(
    private readonly seed: number,
    locale: string,
  ) {
    this.pools = buildPools(seed, locale)
  }

  get regions(): readonly string[] {
    return this.pools.regions
  }

  /** Voter number `index` of this seed: independent of batch size and of the voters before it. */
  voter(index: number): Voter {
    const p = this.pools
    const rng = new Rng(this.seed, index)
    const gender = rng.next() < 0.5 ? 'male' : 'female'
    const first = rng.pick(p.first[gender])
    const last = rng.pick(p.last)
    const age = 18 + Math.floor(rng.next() ** 1.3 * 72)
    const birth = new Date(REFERENCE_DAY - (age * 365.25 + rng.int(365)) * DAY)
    const handle = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '')
    return {
      // A version-7 uuid whose time field counts voters from the reference day: ids sort in registration
      // order, so Postgres inserts and looks them up near one end of each index, not all over it. With
      // random ids, `vote` and `aggregate` slowed down as the tables outgrew shared buffers (bench/README.md,
      // "Time-ordered voter ids").
      voter_id: rng.timeOrderedUuid(REFERENCE_DAY + index),
      voter_name: `${first} ${last}`,
      date_of_birth: birth.toISOString().slice(0, 10),
      gender,
      nationality: p.nationality,
      registration_number: `${p.nationality}${rng.digits(9)}`,
      address: {
        street: `${1 + rng.int(300)} ${rng.pick(p.streets)}`,
        city: rng.pick(p.cities),
        state: rng.pick(p.regions),
        country: p.country,
        postcode: rng.pick(p.postcodes),
      },
      email: `${handle}${rng.int(1000)}@${rng.pick(p.domains)}`,
      phone_number: `0${rng.digits(3)} ${rng.digits(3)} ${rng.digits(4)}`,
      cell_number: `07${rng.digits(3)} ${rng.digits(6)}`,
      picture: `https://randomuser.me/api/portraits/${gender === 'male' ? 'men' : 'women'}/${rng.int(100)}.jpg`,
      registered_age: age,
    }
  }
}
