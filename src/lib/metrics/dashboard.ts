import {Gauge, type Registry} from 'prom-client'

import type {Snapshot} from '../dashboard/types.js'

/**
 * What a dashboard sees, read from its latest snapshot when scraped: a scrape never waits on
 * Kafka or Postgres, and the values are exactly the ones on screen. Before the first snapshot
 * the gauges hold nothing (connection) or 0.
 */
export function observeDashboard(registry: Registry, latest: () => Snapshot | undefined): void {
  const registers = [registry]
  new Gauge({
    name: 'election_dashboard_connection_up',
    help: '1 while the dashboard reaches the service (kafka, postgres), else 0.',
    labelNames: ['service'],
    registers,
    collect() {
      const snapshot = latest()
      if (!snapshot) return
      for (const service of ['kafka', 'postgres'] as const) this.set({service}, snapshot.connection[service].status === 'connected' ? 1 : 0)
    },
  })
  new Gauge({
    name: 'election_dashboard_votes_counted',
    help: 'Votes in the published candidate totals the dashboard has read.',
    registers,
    collect() {
      const snapshot = latest()
      if (snapshot) this.set(snapshot.totals.counted)
    },
  })
  new Gauge({
    name: 'election_dashboard_aggregator_lag',
    help: "The aggregator group's lag on votes_topic, as last polled (kept while unknown).",
    registers,
    collect() {
      const lag = latest()?.health.lag
      if (typeof lag === 'number') this.set(lag)
    },
  })
}
