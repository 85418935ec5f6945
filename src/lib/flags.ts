import {Flags, type Interfaces} from '@oclif/core'

import {usageError} from './errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/**
 * The longest duration any flag takes. Node timers hold at most 2^31-1 ms (about 596 h)
 * and fire at once beyond it (`vote --duration 600h` used to stop immediately), so a
 * longer value is refused rather than silently cut short.
 */
export const MAX_DURATION_MS = 500 * UNITS.h!

export interface DurationBounds {
  /** Inclusive, in ms; by default any positive duration. */
  min?: number
  /** Inclusive, in ms; by default MAX_DURATION_MS. */
  max?: number
}

/** "500ms", "5s", "2m", "1h", or a bare number of seconds, within `bounds`. */
export function parseDuration(input: string, bounds: DurationBounds = {}): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(input.trim())
  if (!match) throw usageError(`invalid duration "${input}"`, 'use a number with a unit, e.g. 500ms, 5s, 2m')
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!
  if (ms <= 0) throw usageError(`duration must be positive, got "${input}"`, 'give a duration such as 5s')
  const {min = 0, max = MAX_DURATION_MS} = bounds
  if (ms < min || ms > max)
    throw usageError(`"${input}" is out of range: ${describeBounds(bounds)}`, `give a duration ${describeBounds(bounds)}`)
  return ms
}

/** 1800000 -> "30m", 6000 -> "6s", 250 -> "250ms": the largest unit that divides evenly. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) if (ms >= UNITS[unit]! && ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`
  return `${ms}ms`
}

function describeBounds({min, max = MAX_DURATION_MS}: DurationBounds): string {
  return min ? `from ${formatDuration(min)} to ${formatDuration(max)}` : `at most ${formatDuration(max)}`
}

type DurationOptions = {summary: string} & DurationBounds

/** A duration flag; its help says the accepted range, and parsing enforces it (a usage error naming the flag). */
export function durationFlag(options: DurationOptions & {default: number}): Interfaces.OptionFlag<number>
export function durationFlag(options: DurationOptions): Interfaces.OptionFlag<number | undefined>
export function durationFlag({
  summary,
  min,
  max,
  default: defaultMs,
}: DurationOptions & {default?: number}): Interfaces.OptionFlag<number | undefined> {
  return Flags.custom<number>({
    parse: async (input) => parseDuration(input, {min, max}),
    helpValue: '<duration>',
  })({
    summary: `${summary} (${describeBounds({min, max})})`,
    ...(defaultMs === undefined ? {} : {default: defaultMs, defaultHelp: async () => formatDuration(defaultMs)}),
  })
}

export const seedFlag = Flags.integer({summary: 'Seed for deterministic data; same seed, same result.', default: 42, min: 0})

/**
 * Kafka's default broker limits for a member's session timeout (group.min.session.timeout.ms,
 * group.max.session.timeout.ms). Outside them the group join fails only once running.
 */
export const SESSION_TIMEOUT_BOUNDS = {min: 6_000, max: 1_800_000}

/** The flags of a long-running group member (vote, aggregate). */
/** How long a clean stop may take before the process ends anyway (see StopGrace). */
export const DEFAULT_STOP_TIMEOUT_MS = 20_000

export const memberFlags = (records: string, alsoWhen = '') => ({
  'exit-when-idle': durationFlag({summary: `Exit 0 once holding partitions with no new ${records} for this long${alsoWhen}, e.g. 5s`}),
  'session-timeout': durationFlag({
    summary: "Consumer group session timeout: how long a crashed member holds its partitions; within the brokers' default limits",
    default: 10_000,
    ...SESSION_TIMEOUT_BOUNDS,
  }),
  'stop-timeout': durationFlag({
    summary:
      'How long a stop (Ctrl-C, SIGTERM) may take to finish the work in flight and leave the group before the process ends anyway; ' +
      'nothing is lost either way',
    default: DEFAULT_STOP_TIMEOUT_MS,
    min: 1000,
    max: 3_600_000,
  }),
})
