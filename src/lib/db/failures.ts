/**
 * What a failed Postgres call means, told by SQLSTATE class (never by message text where
 * the server gives a code): a data error is the record's fault and is never retried; an
 * outage is the server's or the network's and is retried with backoff; anything else
 * (a missing table, a bug) stops the command.
 */
export type FailureKind = 'data' | 'outage' | 'fatal'

/**
 * 22 data exception (too long, NUL, bad encoding), 23 integrity constraint violation,
 * 54 program limit exceeded (e.g. an index row larger than a btree page: a huge value).
 */
const DATA_CLASSES = new Set(['22', '23', '54'])
/**
 * 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown,
 * crash recovery), 58 system error (I/O), 40 transaction rollback (serialization, deadlock).
 */
const OUTAGE_CLASSES = new Set(['08', '53', '58', '40'])

/** Socket-level failures, reported by Node with an errno code instead of a SQLSTATE. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/**
 * node-pg reports a connection that ends under a query, or a pool that cannot connect in
 * time, with a plain Error and no code at all: these messages are the only signal it gives.
 */
const CLIENT_CONNECTION_LOSS = new RegExp(
  '^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|' +
    'Connection terminated due to connection timeout)',
)

export function sqlState(error: unknown): string | undefined {
  const code = (error as {code?: unknown})?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

export function failureKind(error: unknown): FailureKind {
  const state = sqlState(error)
  if (state) {
    const cls = state.slice(0, 2)
    if (DATA_CLASSES.has(cls)) return 'data'
    if (OUTAGE_CLASSES.has(cls) || state.startsWith('57P')) return 'outage'
    return 'fatal'
  }
  const code = (error as {code?: unknown})?.code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'outage'
  if (error instanceof Error && CLIENT_CONNECTION_LOSS.test(error.message)) return 'outage'
  return 'fatal'
}

/** The reason a dead letter carries when Postgres refused the record itself. */
export function dataErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return `Postgres rejected the record: ${message} (SQLSTATE ${sqlState(error) ?? 'unknown'})`
}
