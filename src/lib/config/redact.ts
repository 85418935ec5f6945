/** Hides passwords in connection strings and known secret fields before anything is printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '*****'
    return parsed.toString()
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1*****@')
  }
}

const SECRET_KEYS = /pass(word)?|secret|token|credential|key$/i

export function redactSecrets<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('://') ? redactUrl(value) : value) as T
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) && typeof v === 'string' && v.length > 0 ? '*****' : redactSecrets(v)
    }
    return out as T
  }
  return value
}

/** Scrubs any secret value we know of out of free text, e.g. an error message from a driver. */
export function scrubText(text: string, secrets: string[]): string {
  let out = text.replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, '$1*****@')
  for (const secret of secrets) if (secret) out = out.split(secret).join('*****')
  return out
}
