import {z} from 'zod'

/** A record that cannot be processed: it goes to the dead-letter topic with this reason in a header. */
export interface Rejected {
  reason: string
  key: Buffer | null
  value: Buffer | null
  offset: string
}

const text = z.string().min(1)

export const voterSchema = z.object({
  voter_id: text,
  voter_name: z.string(),
  gender: z.string(),
  registered_age: z.number().int().min(0).max(150),
  address: z.object({state: z.string()}),
})

export const voteSchema = z.object({
  voter_id: text,
  candidate_id: text,
  gender: z.string(),
  registered_age: z.number().int().min(0).max(150),
  voting_time: z.iso.datetime({offset: true}),
  vote: z.literal(1),
  address: z.object({state: z.string()}),
})

/** JSON-decodes and validates one record; the error text names the first problem. */
export function decode<T>(schema: z.ZodType<T>, value: Buffer | null): {ok: true; value: T} | {ok: false; reason: string} {
  if (!value) return {ok: false, reason: 'empty value'}
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch {
    return {ok: false, reason: 'value is not JSON'}
  }
  const parsed = schema.safeParse(json)
  if (parsed.success) return {ok: true, value: parsed.data}
  const issue = parsed.error.issues[0]!
  return {ok: false, reason: `invalid field ${issue.path.join('.') || '(root)'}: ${issue.message}`}
}

export function deadLetter(sourceTopic: string, partition: number, rejected: Rejected) {
  return {
    key: rejected.key,
    value: rejected.value,
    headers: {reason: rejected.reason, source_topic: sourceTopic, source_partition: String(partition), source_offset: rejected.offset},
  }
}
