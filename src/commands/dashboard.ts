import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {applyNoColor} from '../lib/dashboard/colour.js'
import {runLive} from '../lib/dashboard/live.js'
import {renderSnapshotText} from '../lib/dashboard/render-text.js'
import {readSnapshot} from '../lib/dashboard/snapshot.js'
import type {Snapshot} from '../lib/dashboard/types.js'
import {serveDashboardMetrics} from '../lib/metrics/dashboard-endpoint.js'
import {metricsFlags} from '../lib/metrics/flags.js'

export type {Snapshot}

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static summary = 'Live terminal dashboard: leader, vote shares, turnout by location and demographics, pipeline health.'
  static description = `Reads the compacted aggregate topics from the beginning with a throwaway consumer group (never commits, so
any number of dashboards can watch), plus counts from Postgres and the aggregator's lag on the votes topic.

On a terminal it runs until you press q. Keys: q quit, r refresh now, +/- refresh interval (0 = push, up to 60 s),
tab next panel (the breakdowns; the race and the US map too when the terminal is under 34 rows), s sort field and
d sort direction of the region table, arrows/PgUp/PgDn/Home/End page, p page size. Kafka or Postgres going away is
shown in the header and retried.

Without a terminal on stdout, or with --once, it reads the topics up to their current end, prints one snapshot as tables and
exits. --json prints that snapshot as:
  {refreshedAt, connection: {kafka, postgres: {status, detail?}},
   totals: {voters, candidates, votes, counted, turnoutPct},
   leader: {candidate_id, candidate_name, party_affiliation, photo_url, total_votes, share, lead, runner_up} | null,
   candidates: [{candidate_id, candidate_name, party_affiliation, photo_url, total_votes, share, last_voting_time}] (most votes first),
   locations: [{state, count, share, updated_at}], gender: [{gender, count, share}], age: [{age_band, count, share}],
   party: [{party_affiliation, total_votes, share}],
   health: {votesPerSecond, latencyMs: {latest, p99}, lag}}
Shares and turnoutPct are percentages (0-100, 2 decimals); counts Postgres could not give, and health figures without data, are null.`

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Re-render every 5 seconds instead of on every change', command: '<%= config.bin %> <%= command.id %> --interval 5'},
    {description: 'One snapshot as tables, for logs', command: '<%= config.bin %> <%= command.id %> --once'},
    {description: 'The leader, for scripts', command: "<%= config.bin %> <%= command.id %> --json | jq '.leader.candidate_name'"},
    {
      description: 'Also serve Prometheus metrics: what the dashboard sees, and the process (curl -s 127.0.0.1:9466/metrics)',
      command: '<%= config.bin %> <%= command.id %> --metrics-port 9466',
    },
  ]

  static flags = {
    once: Flags.boolean({summary: 'Print one snapshot and exit (the default when stdout is not a terminal).', default: false}),
    interval: Flags.integer({
      summary: 'Seconds between re-renders; 0 renders as records arrive (at most once a second).',
      default: 0,
      min: 0,
      max: 60,
    }),
    ...metricsFlags,
  }

  async run(): Promise<Snapshot | undefined> {
    applyNoColor()
    let latest: (() => Snapshot) | undefined
    await serveDashboardMetrics(this.flags, {onCleanup: (cleanup) => this.onCleanup(cleanup), note: (message) => this.note(message)}, () =>
      latest?.(),
    )
    if (this.flags.once || this.jsonEnabled() || !process.stdout.isTTY) {
      const pool = await this.openPool()
      const {kafka, admin} = await this.openKafka()
      const snapshot = await readSnapshot(kafka, admin, pool, this.topics(), this.namespace())
      latest = () => snapshot
      if (!this.jsonEnabled()) this.log(renderSnapshotText(snapshot))
      return snapshot
    }
    await runLive({
      settings: await this.settings(),
      topics: this.topics(),
      namespace: this.namespace(),
      intervalSec: this.flags.interval,
      onSnapshots: (read) => (latest = read),
    })
    return undefined
  }
}
