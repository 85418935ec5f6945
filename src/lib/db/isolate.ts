import {dataErrorReason, failureKind} from './failures.js'

export interface Isolated<T, R> {
  /** The results of the parts Postgres accepted. */
  results: R[]
  /** The items Postgres refused for a data reason, each with that reason. */
  refused: Array<{item: T; reason: string}>
}

/**
 * Runs `work` on all items; when Postgres refuses them for a data reason (SQLSTATE class
 * 22/23/54), splits them in halves and tries each again, down to the single items at
 * fault. One poison record thus costs about log2(n) extra statements and never stops
 * the rest. `work` must be idempotent (it runs again on the halves) and do its own
 * retrying of outages; any error that is not a data error is passed on.
 */
export async function isolateDataErrors<T, R>(items: T[], work: (items: T[]) => Promise<R>): Promise<Isolated<T, R>> {
  const out: Isolated<T, R> = {results: [], refused: []}
  const attempt = async (part: T[]): Promise<void> => {
    if (part.length === 0) return
    try {
      out.results.push(await work(part))
    } catch (error) {
      if (failureKind(error) !== 'data') throw error
      if (part.length === 1) {
        out.refused.push({item: part[0]!, reason: dataErrorReason(error)})
        return
      }
      const middle = Math.ceil(part.length / 2)
      await attempt(part.slice(0, middle))
      await attempt(part.slice(middle))
    }
  }
  await attempt(items)
  return out
}
