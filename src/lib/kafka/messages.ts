import type {KafkaMessage} from 'kafkajs'
import type {z} from 'zod'

/**
 * Why a record was dead-lettered, as a fixed category: the free-text reason names ids and
 * Postgres' messages, so only the category may serve as a metric label (bounded cardinality).
 */
export const DEAD_LETTER_CATEGORIES = [
  'empty_value',
  'invalid_json',
  'invalid_field',
  'unknown_voter',
  'unknown_candidate',
  'no_stored_vote',
  'candidate_mismatch',
  'postgres_rejected',
] as const
export type DeadLetterCategory = (typeof DEAD_LETTER_CATEGORIES)[number]

/** Why a record cannot be processed: the text goes in the dead letter's `reason` header. */
export interface Rejection {
  reason: string
  category: DeadLetterCategory
}

/** A record that cannot be processed: it goes to the dead-letter topic with its reason in a header. */
export interface Rejected extends Rejection {
  key: Buffer | null
  value: Buffer | null
  offset: string
}

/**
 * JSON-decodes and validates one record; the error text names the first problem. `quick`, when
 * given, is a cheaper check of the same schema for the common case: it returns the value only
 * when the schema would accept it (and as the schema would return it), and undefined otherwise;
 * whatever it does not accept goes through the schema, which decides and gives the reason.
 */
export function decode<T>(
  schema: z.ZodType<T>,
  value: Buffer | null,
  quick?: (json: unknown) => T | undefined,
): {ok: true; value: T} | ({ok: false} & Rejection) {
  if (!value) return {ok: false, reason: 'empty value', category: 'empty_value'}
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch {
    return {ok: false, reason: 'value is not JSON', category: 'invalid_json'}
  }
  const fast = quick?.(json)
  if (fast !== undefined) return {ok: true, value: fast}
  const parsed = schema.safeParse(json)
  if (parsed.success) return {ok: true, value: parsed.data}
  const issue = parsed.error.issues[0]!
  return {ok: false, reason: `invalid field ${issue.path.join('.') || '(root)'}: ${issue.message}`, category: 'invalid_field'}
}

/** A record refused for this reason, as its dead letter will carry it. */
export function rejectedRecord(message: KafkaMessage, {reason, category}: Rejection): Rejected {
  return {reason, category, key: message.key, value: message.value, offset: message.offset}
}

export function deadLetter(sourceTopic: string, partition: number, rejected: Rejected) {
  return {
    key: rejected.key,
    value: rejected.value,
    headers: {reason: rejected.reason, source_topic: sourceTopic, source_partition: String(partition), source_offset: rejected.offset},
  }
}
