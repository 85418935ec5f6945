import {Flags} from '@oclif/core'

import {usageError} from './errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** "500ms", "5s", "2m", "1h", or a bare number of seconds. */
export function parseDuration(input: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(input.trim())
  if (!match) throw usageError(`invalid duration "${input}"`, 'use a number with a unit, e.g. 500ms, 5s, 2m')
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!
  if (ms <= 0) throw usageError(`duration must be positive, got "${input}"`)
  return ms
}

export const durationFlag = Flags.custom<number>({
  parse: async (input) => parseDuration(input),
  helpValue: '<duration>',
})

/** Integers with a lower bound; oclif's own message says what was expected. */
export const positiveInt = (options: {summary: string; default?: number; min?: number; max?: number}) =>
  Flags.integer({min: options.min ?? 1, max: options.max, summary: options.summary, default: options.default})

export const seedFlag = Flags.integer({summary: 'Seed for deterministic data; same seed, same result.', default: 42, min: 0})

/** The flags of a long-running group member (vote, aggregate). */
export const memberFlags = (records: string) => ({
  'exit-when-idle': durationFlag({summary: `Exit 0 once holding partitions with no new ${records} for this long (e.g. 5s).`}),
  'session-timeout': durationFlag({summary: 'Consumer group session timeout: how long a crashed member holds its partitions.', default: 10_000, defaultHelp: async () => '10s'}),
})
