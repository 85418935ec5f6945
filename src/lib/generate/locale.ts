import {allLocales, base, en, Faker, type LocaleDefinition} from '@faker-js/faker'

import {usageError} from '../errors.js'

export function fakerFor(locale: string, seed: number | number[]): Faker {
  const definition = (allLocales as Record<string, LocaleDefinition>)[locale]
  if (!definition) {
    const near = Object.keys(allLocales).filter((l) => l.startsWith(locale.slice(0, 2)))
    throw usageError(`unknown locale "${locale}"`, near.length ? `try one of: ${near.join(', ')}` : 'try en_GB or en_US')
  }
  const faker = new Faker({locale: [definition, en, base]})
  faker.seed(seed)
  return faker
}

/** The region a voter's turnout is counted in: counties where the locale has them (en_GB), else states. */
export function region(faker: Faker): string {
  try {
    const county = faker.location.county()
    if (county) return county
  } catch {
    // this locale has no counties
  }
  return faker.location.state()
}
