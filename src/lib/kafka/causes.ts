/** What kafkajs puts on its errors and on the errors it wraps (retries exceeded, non-retriable, aggregate). */
export interface KafkaJsErrorShape {
  type?: string
  code?: number
  cause?: unknown
  originalError?: unknown
  errors?: unknown[]
}

/** Whether the error or anything it wraps (kafkajs nests causes several levels deep) passes `test`. */
export function anyCause(error: unknown, test: (e: KafkaJsErrorShape) => boolean): boolean {
  const seen = new Set<unknown>()
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false
    seen.add(e)
    const shape = e as KafkaJsErrorShape
    if (test(shape)) return true
    return visit(shape.cause) || visit(shape.originalError) || (Array.isArray(shape.errors) && shape.errors.some(visit))
  }
  return visit(error)
}

/** Whether kafkajs threw it (its errors, and those it wraps, are named KafkaJS…). */
export function isKafkaJsError(error: unknown): error is Error {
  return error instanceof Error && error.name.startsWith('KafkaJS')
}
