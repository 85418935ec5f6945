import {allLocales, base, en, Faker, type LocaleDefinition} from '@faker-js/faker'

import {usageError} from '../errors.js'

/** The one default locale of generated candidates and voters (commands, the demo). */
export const DEFAULT_LOCALE = 'en_GB'

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

/**
 * The regions a voter's turnout is counted in: the locale's states (50 for en_US), or its
 * counties where states are too few to be interesting (en_GB has 4 nations, ~70 counties).
 */
export function regions(faker: Faker, draws = 2000): string[] {
  const distinct = (draw: () => string) => [...new Set(Array.from({length: draws}, draw))].filter(Boolean).sort()
  const states = distinct(() => faker.location.state())
  if (states.length >= 10) return states
  try {
    const counties = distinct(() => faker.location.county())
    if (counties.length > states.length) return counties
  } catch {
    // this locale has no counties
  }
  return states
}
