import {Box, Text} from 'ink'

import {clock, count, fit, pct} from '../format.js'
import type {LocationRow} from '../types.js'
import {pageOf, sortLocations, type ViewState} from '../view.js'

const cell = (text: string, width: number, right = false) => (right ? fit(text, width).padStart(width) : fit(text, width, true))

export function LocationTable({locations, view, width}: {locations: LocationRow[]; view: ViewState; width: number}) {
  const sorted = sortLocations(locations, view.sortField, view.sortDir)
  const {rows, page, pages} = pageOf(sorted, view.page, view.pageSize)
  const arrow = view.sortDir === 'asc' ? '↑' : '↓'
  const [countW, shareW, updatedW] = [9, 7, 8]
  const stateW = Math.max(8, width - (countW + shareW + updatedW + 3))
  const head = (label: string, field: ViewState['sortField'], w: number, right = false) =>
    cell(view.sortField === field ? `${label}${arrow}` : label, w, right)
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        Turnout by location{' '}
        <Text dimColor>
          · page {page + 1}/{pages} · {view.pageSize}/page
        </Text>
      </Text>
      <Text dimColor>
        {[
          head('state', 'state', stateW),
          head('count', 'count', countW, true),
          head('share', 'share', shareW, true),
          head('updated', 'updated_at', updatedW, true),
        ].join(' ')}
      </Text>
      {rows.length === 0 && <Text dimColor>no turnout yet</Text>}
      {rows.map((l) => (
        <Text key={l.state} wrap="truncate">
          {[
            cell(l.state, stateW),
            cell(count(l.count), countW, true),
            cell(pct(l.share), shareW, true),
            cell(clock(l.updated_at), updatedW, true),
          ].join(' ')}
        </Text>
      ))}
    </Box>
  )
}
