/**
 * One error type for everything the user can act on. The CLI prints `message`
 * on one line, then the suggestions, and exits with `exitCode`; the stack is
 * shown only with --debug.
 */
export type ErrorKind =
  | 'usage' // bad flags or input: the user can fix it
  | 'config' // missing setup (tables, services, candidates)
  | 'unavailable' // an outside system (Kafka, Postgres) failed or is unreachable
  | 'mismatch' // verify found a difference
  | 'bug'

const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 2,
  config: 3,
  unavailable: 4,
  mismatch: 1,
  bug: 70,
}

export class ElectionError extends Error {
  readonly exitCode: number

  constructor(
    message: string,
    readonly kind: ErrorKind,
    readonly suggestions: string[] = [],
    options?: {cause?: unknown},
  ) {
    super(message, options)
    this.name = `Election${kind[0]!.toUpperCase()}${kind.slice(1)}Error`
    this.exitCode = EXIT_CODES[kind]
  }
}

export const usageError = (message: string, ...suggestions: string[]) => new ElectionError(message, 'usage', suggestions)
export const configError = (message: string, ...suggestions: string[]) => new ElectionError(message, 'config', suggestions)
export const unavailableError = (message: string, cause?: unknown, ...suggestions: string[]) =>
  new ElectionError(message, 'unavailable', suggestions, {cause})

export function describeCause(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeCause(error.errors[0])
  // kafkajs' KafkaJSAggregateError ("Topic creation errors") keeps the reasons in `errors`.
  const nested = (error as {errors?: unknown})?.errors
  if (error instanceof Error && Array.isArray(nested) && nested.length > 0)
    return `${error.message}: ${[...new Set(nested.map(describeCause))].join('; ')}`
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

/** Node's codes for a server certificate the client does not trust (unknown CA, wrong name, expired). */
const CERTIFICATE_REJECTIONS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** Whether the error, or one it wraps (as `cause` or kafkajs' `originalError`), is a rejected server certificate. */
export function rejectedCertificate(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 8) return false
  const {code, cause, originalError} = error as {code?: unknown; cause?: unknown; originalError?: unknown}
  return (
    (typeof code === 'string' && CERTIFICATE_REJECTIONS.has(code)) ||
    rejectedCertificate(cause, depth + 1) ||
    rejectedCertificate(originalError, depth + 1)
  )
}
