import {collectDefaultMetrics, Registry} from 'prom-client'

import type {MetricsFlags} from './flags.js'
import {serveMetrics} from './server.js'

export interface EndpointHooks {
  /** Registers the server's close with the command's cleanup, which runs however the command ends. */
  onCleanup(cleanup: () => Promise<unknown>): void
  note(message: string): void
}

/**
 * The process's one registry. With --metrics-port it also gets the default process metrics and
 * is served; without, the command's metrics are still counted (cheaply) but never exposed.
 * Started before any connection, so a port in use fails at once with a usage error.
 */
export async function startMetrics(flags: MetricsFlags, hooks: EndpointHooks): Promise<Registry> {
  const registry = new Registry()
  const port = flags['metrics-port']
  if (port === undefined) return registry
  collectDefaultMetrics({register: registry})
  const server = await serveMetrics(registry, flags['metrics-host'], port)
  hooks.onCleanup(() => server.close())
  hooks.note(`Prometheus metrics at ${server.url}`)
  return registry
}
