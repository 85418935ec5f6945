/**
 * The one redaction. Everything the CLI prints or writes (errors, `Try:` hints, --json
 * documents, progress notes, --debug stacks, kafkajs log lines, tables) goes through
 * `redact`, which masks:
 *  - the password of any URL's userinfo (`scheme://user:password@host`),
 *  - the query parameters libpq reads secrets from (`password`, `sslpassword`, `sslkey`),
 *  - every secret value the settings resolved (see `rememberSecrets`), so that a secret a
 *    driver echoes without its URL (pg's ENOENT for an `sslkey` path, say) is masked too.
 */
export const MASK = '*****'

/** Query parameters whose values are secrets (libpq's names, which pg reads from the URL too). */
export const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'] as const

// `scheme://user:` then the password up to the last `@` of the authority (a password may hold a raw `@`).
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#]*@/gi
const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#\\s'"]*`, 'gi')

const remembered = new Set<string>()

// Masking a one- to three-character value everywhere would shred ordinary words (and such a
// value guards nothing); inside URLs the patterns above still hide it.
const SHORTEST_REMEMBERED = 4

/**
 * Values to mask wherever they appear, raw or percent-encoded. The settings remember
 * the secrets they resolve (URL passwords and secret parameters, the SASL password), so
 * each command knows them before it can print anything.
 */
export function rememberSecrets(...values: Array<string | undefined>): void {
  for (const value of values) {
    if (!value || value.length < SHORTEST_REMEMBERED) continue
    remembered.add(value)
    remembered.add(encodeURIComponent(value))
  }
}

/** The secrets a connection URL carries: its password and secret query parameters (decoded). */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url)
    const params = SECRET_PARAMS.map((name) => parsed.searchParams.get(name) ?? '')
    return [safeDecode(parsed.password), ...params].filter(Boolean)
  } catch {
    return []
  }
}

export function redact(text: string): string {
  let out = text.replace(USERINFO_PASSWORD, `$1${MASK}@`).replace(SECRET_PARAM, `$1${MASK}`)
  // Longest first, so a secret containing another one is masked whole.
  for (const secret of [...remembered].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK)
  return out
}

/** A connection URL as it may be shown. */
export const redactUrl = (url: string): string => redact(url)

/** A copy of a --json document with every string redacted (dates and other objects as JSON shows them). */
export function redactJson<T>(value: T): T {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v))
  return (text === undefined ? value : JSON.parse(text)) as T
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
