import chalk from 'chalk'

import {textTable} from '../text-table.js'
import {clock, count, ms, pct, points, rate} from './format.js'
import type {LinkState, Snapshot} from './types.js'

function table(head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right'>): string {
  const t = textTable(head, {align, compact: true})
  t.push(...rows)
  return t.toString()
}

const link = (name: string, s: LinkState) =>
  `${name} ${s.status === 'connected' ? chalk.green(s.status) : chalk.red(s.status)}${s.detail ? ` (${s.detail})` : ''}`

/** One snapshot as text tables, for `--once` and for scripts without a TTY. */
export function renderSnapshotText(s: Snapshot): string {
  const out: string[] = []
  out.push(
    `${chalk.bold('Election dashboard')}  refreshed ${clock(s.refreshedAt)}  ` +
      `${link('Kafka', s.connection.kafka)}  ${link('Postgres', s.connection.postgres)}`,
  )
  out.push(
    `Voters ${count(s.totals.voters)}  Candidates ${count(s.totals.candidates)}  Votes cast ${count(s.totals.votes)}  ` +
      `Counted ${count(s.totals.counted)}  Turnout ${pct(s.totals.turnoutPct)}`,
  )
  if (s.leader) {
    const l = s.leader
    out.push(
      `Leading: ${chalk.bold(l.candidate_name)} (${l.party_affiliation}) ${count(l.total_votes)} votes, ${pct(l.share)}, ` +
        (l.lead > 0 ? `lead ${count(l.lead)}${l.runner_up ? ` over ${l.runner_up}` : ''}` : 'tied'),
    )
    if (l.photo_url) out.push(`Photo: ${l.photo_url}`)
  } else {
    out.push('Waiting for votes: no votes counted yet.')
  }
  if (s.candidates.length > 0) {
    out.push(
      table(
        ['candidate_id', 'candidate_name', 'party_affiliation', 'total_votes', 'share'],
        s.candidates.map((c) => [c.candidate_id, c.candidate_name, c.party_affiliation, count(c.total_votes), pct(c.share)]),
        ['left', 'left', 'left', 'right', 'right'],
      ),
    )
  }
  if (s.locations.length > 0)
    out.push(
      table(
        ['state', 'count', 'share'],
        s.locations.map((l) => [l.state, count(l.count), pct(l.share)]),
        ['left', 'right', 'right'],
      ),
    )
  if (s.regions.length > 0)
    out.push(
      table(
        ['region', 'leader', 'leader_share', 'margin', 'counted', 'turnout'],
        s.regions.map((r) => [r.state, r.leader, pct(r.leaderShare), points(r.margin), count(r.counted), pct(r.turnoutPct)]),
        ['left', 'left', 'right', 'right', 'right', 'right'],
      ),
    )
  const breakdowns: Array<[string, Array<[string, number, number]>]> = [
    ['gender', s.gender.map((g) => [g.gender, g.count, g.share])],
    ['age_band', s.age.map((a) => [a.age_band, a.count, a.share])],
    ['party_affiliation', s.party.map((p) => [p.party_affiliation, p.total_votes, p.share])],
  ]
  for (const [name, rows] of breakdowns) {
    if (rows.length > 0)
      out.push(
        table(
          [name, 'count', 'share'],
          rows.map(([k, n, sh]) => [k, count(n), pct(sh)]),
          ['left', 'right', 'right'],
        ),
      )
  }
  const h = s.health
  out.push(
    `Health: ${rate(h.votesPerSecond)} votes/s  latency ${ms(h.latencyMs.latest)} (p99 ${ms(h.latencyMs.p99)})  ` +
      `aggregator lag ${count(h.lag)}`,
  )
  return out.join('\n')
}
