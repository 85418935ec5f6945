import {readdirSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

import type {Faker} from '@faker-js/faker'

import {usageError} from '../errors.js'

/** The one default locale of generated candidates and voters (commands, the demo). */
export const DEFAULT_LOCALE = 'en_GB'

// Only the requested locale is loaded: faker's main entry loads all 60-odd locales, about 30 MB
// of every generating command's memory. Its per-locale entries are ES modules, loaded
// synchronously here with require() (Node >= 20.19 can require ES modules).
const require = createRequire(import.meta.url)
const LOCALE_DIR = path.dirname(require.resolve('@faker-js/faker/locale/en'))

/** The locales this faker has (file names of its per-locale entries). */
export function knownLocales(): string[] {
  return readdirSync(LOCALE_DIR)
    .filter((file) => file.endsWith('.js'))
    .map((file) => file.slice(0, -3))
    .sort()
}

/** Refuses (a usage error, before anything is written) a locale faker does not have. */
export function assertLocale(locale: string): void {
  if (knownLocales().includes(locale)) return
  const near = knownLocales().filter((l) => l.startsWith(locale.slice(0, 2)))
  throw usageError(`--locale: unknown locale "${locale}"`, near.length ? `try one of: ${near.join(', ')}` : 'try en_GB or en_US')
}

/**
 * The locale's faker (with English and the base data as fallbacks), seeded. Each locale's
 * faker is one shared instance; seeding resets it, and every caller draws all it needs
 * synchronously right after, so a seed gives the same values whoever called before.
 */
export function fakerFor(locale: string, seed: number | number[]): Faker {
  assertLocale(locale)
  const {faker} = require(`@faker-js/faker/locale/${locale}`) as {faker: Faker}
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
