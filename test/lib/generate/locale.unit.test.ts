import assert from 'node:assert/strict'

import {allLocales, base, en, Faker, type LocaleDefinition} from '@faker-js/faker'

import {fakerFor, knownLocales} from '../../../src/lib/generate/locale.js'

/** What a generator draws from a faker: enough calls that a different fallback chain or seeding would show. */
const draws = (f: Faker) => [
  f.person.firstName('female'),
  f.person.lastName(),
  f.location.city(),
  f.location.state(),
  f.string.uuid(),
  f.company.catchPhrase(),
]

describe('fakerFor', () => {
  it("knows exactly faker's locales, though it loads only the one asked for", () => {
    assert.deepEqual(knownLocales(), Object.keys(allLocales).sort())
  })

  it("draws what faker's own instance (locale, English, base) draws with the same seed, whoever used it before", () => {
    for (const locale of ['en_GB', 'en_US', 'de', 'ja']) {
      const reference = new Faker({locale: [(allLocales as Record<string, LocaleDefinition>)[locale]!, en, base]})
      reference.seed([42, 7])
      const expected = draws(reference)
      draws(fakerFor(locale, 1)) // another caller's draws on the shared instance
      assert.deepEqual(draws(fakerFor(locale, [42, 7])), expected, locale)
    }
  })

  it('refuses a name that is no locale (and no path) as a usage error with suggestions', () => {
    for (const [name, hint] of [
      ['en_XX', /try one of: .*en_GB/],
      ['../index', /try en_GB or en_US/],
    ] as const) {
      assert.throws(
        () => fakerFor(name, 1),
        (error: Error & {exitCode?: number; suggestions?: string[]}) =>
          error.message.includes(`unknown locale "${name}"`) && error.exitCode === 2 && hint.test(String(error.suggestions)),
      )
    }
  })
})
