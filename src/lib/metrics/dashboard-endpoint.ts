import type {Snapshot} from '../dashboard/types.js'
import type {EndpointHooks} from './endpoint.js'
import type {MetricsFlags} from './flags.js'

/**
 * The dashboard's metrics, served only with --metrics-port. Unlike vote and aggregate, the
 * dashboard counts nothing of its own (its gauges read the latest snapshot when scraped), so
 * without the flag prom-client is not even loaded: about 10 MB of RSS out of a budget of 150.
 */
export async function serveDashboardMetrics(flags: MetricsFlags, hooks: EndpointHooks, latest: () => Snapshot | undefined): Promise<void> {
  if (flags['metrics-port'] === undefined) return
  const [{startMetrics}, {observeDashboard}] = await Promise.all([import('./endpoint.js'), import('./dashboard.js')])
  observeDashboard(await startMetrics(flags, hooks), latest)
}
