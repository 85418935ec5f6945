import {Box, Text} from 'ink'

import {count, fit, pct} from '../format.js'
import type {RegionRow} from '../types.js'
import {pageOf, sortRegions, type ViewState} from '../view.js'

const cell = (text: string, width: number, right = false) => (right ? fit(text, width).padStart(width) : fit(text, width, true))

/** Below this width the margin column goes, so region and leader keep readable names at 80 columns. */
const MARGIN_FROM_WIDTH = 56

/** Who leads where: one row per region, sorted and paged by the keys (view.ts). */
export function RegionTable({regions, view, width}: {regions: RegionRow[]; view: ViewState; width: number}) {
  const sorted = sortRegions(regions, view.sortField, view.sortDir)
  const {rows, page, pages} = pageOf(sorted, view.page, view.pageSize)
  const arrow = view.sortDir === 'asc' ? '↑' : '↓'
  const withMargin = width >= MARGIN_FROM_WIDTH
  const [shareW, marginW, countedW, turnoutW] = [6, withMargin ? 6 : 0, 8, 7]
  const fixed = shareW + marginW + countedW + turnoutW + (withMargin ? 5 : 4)
  const regionW = Math.max(6, Math.ceil((width - fixed) / 2))
  const leaderW = Math.max(6, width - fixed - regionW)
  const head = (label: string, field: ViewState['sortField'] | null, w: number, right = false) =>
    cell(view.sortField === field ? `${label}${arrow}` : label, w, right)
  const columns = (region: string, leader: string, share: string, margin: string, counted: string, turnout: string) =>
    [region, leader, share, ...(withMargin ? [margin] : []), counted, turnout].join(' ')
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        Results by region{' '}
        <Text dimColor>
          · page {page + 1}/{pages} · {view.pageSize}/page
        </Text>
      </Text>
      <Text dimColor>
        {columns(
          head('region', 'state', regionW),
          head('leader', null, leaderW),
          head('share', 'leaderShare', shareW, true),
          head('margin', 'margin', marginW, true),
          head('counted', 'counted', countedW, true),
          head('turnout', 'turnoutPct', turnoutW, true),
        )}
      </Text>
      {rows.length === 0 && <Text dimColor>no votes counted yet</Text>}
      {rows.map((r) => (
        <Text key={r.state} wrap="truncate">
          {columns(
            cell(r.state, regionW),
            cell(r.leader, leaderW),
            cell(pct(r.leaderShare), shareW, true),
            cell(`+${r.margin.toFixed(1)}`, marginW, true),
            cell(count(r.counted), countedW, true),
            cell(pct(r.turnoutPct), turnoutW, true),
          )}
        </Text>
      ))}
    </Box>
  )
}
