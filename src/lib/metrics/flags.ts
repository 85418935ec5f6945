import {Flags} from '@oclif/core'

/** The flags of a command that can serve Prometheus metrics (vote, aggregate, dashboard). */
export const metricsFlags = {
  'metrics-port': Flags.integer({
    summary: 'Serve Prometheus metrics on this port, at /metrics.',
    env: 'ELECTION_METRICS_PORT',
    min: 1,
    max: 65_535,
    helpGroup: 'METRICS',
  }),
  'metrics-host': Flags.string({
    summary: 'Address the metrics endpoint listens on (0.0.0.0 for every interface).',
    env: 'ELECTION_METRICS_HOST',
    default: '127.0.0.1',
    helpGroup: 'METRICS',
  }),
}

export interface MetricsFlags {
  'metrics-port'?: number
  'metrics-host': string
}
