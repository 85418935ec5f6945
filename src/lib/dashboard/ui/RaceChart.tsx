import type {ReactNode} from 'react'
import {Box, Text} from 'ink'

import {brailleChart, columnOf, sparkline} from '../braille.js'
import {clock, count} from '../format.js'
import type {Race} from '../race.js'
import {colourMap} from './theme.js'

/** Rows the panel takes: title, the chart, votes per second, lead changes. */
export const RACE_ROWS = 10
const CHART_ROWS = RACE_ROWS - 3
/** The chart's rows in a tab beside the region table (as tall as five regions). */
export const COMPACT_CHART_ROWS = 4
const AXIS = 5

/** The share scale: the range the shares moved in, a little wider, so that a small swing shows. */
export function shareRange(race: Race): [number, number] {
  const values = race.shares.flatMap((s) => s.series)
  if (values.length === 0) return [0, 100]
  const low = Math.max(0, Math.floor(Math.min(...values) - 2))
  const high = Math.min(100, Math.ceil(Math.max(...values) + 2))
  return [low, Math.max(high, low + 1)]
}

/** The race over the last minutes: each candidate's share (a braille line each), votes per second, lead changes. */
export function RaceChart({
  race,
  width,
  chartRows = CHART_ROWS,
  title,
}: {
  race: Race
  width: number
  chartRows?: number
  title?: ReactNode
}) {
  const colours = colourMap(race.shares.map((s) => s.candidate_id))
  const chartWidth = Math.max(10, width - AXIS)
  const minutes = Math.max(1, Math.round(race.seconds / 60))
  if (race.seconds < 2)
    return (
      <Box flexDirection="column" width={width}>
        {title ?? <Text bold>The race</Text>}
        <Text dimColor>waiting for the first seconds of votes</Text>
      </Box>
    )
  const [low, high] = shareRange(race)
  const chart = brailleChart(
    race.shares.map((s) => s.series),
    chartWidth,
    chartRows,
    low,
    high,
  )
  const line = (row: number) => {
    // Runs of characters drawn by the same series share one colour.
    const parts: Array<{text: string; owner: number}> = []
    for (const [x, ch] of [...chart.rows[row]!].entries()) {
      const owner = chart.owner[row]![x]!
      const last = parts.at(-1)
      if (last && last.owner === owner) last.text += ch
      else parts.push({text: ch, owner})
    }
    return parts.map((p, i) => (
      <Text key={i} color={p.owner < 0 ? undefined : colours.get(race.shares[p.owner]!.candidate_id)}>
        {p.text}
      </Text>
    ))
  }
  const label = (row: number) => (row === 0 ? `${high}%` : row === chartRows - 1 ? `${low}%` : '').padStart(AXIS - 1) + ' '
  const marks = [...' '.repeat(chartWidth)]
  for (const change of race.leadChanges) marks[columnOf(change.index, race.seconds, chartWidth)] = '▲'
  const lastChange = race.leadChanges.at(-1)
  const peak = ` ${count(Math.max(...race.votesPerSecond))} peak`
  return (
    <Box flexDirection="column" width={width}>
      {title ?? (
        <Text bold wrap="truncate">
          The race{' '}
          <Text dimColor>
            · shares, last {minutes} min · {race.leadChanges.length} lead change{race.leadChanges.length === 1 ? '' : 's'}
            {lastChange ? ` (▲), last: ${lastChange.leader} at ${clock(lastChange.at)}` : ''}
          </Text>
        </Text>
      )}
      {chart.rows.map((_, row) => (
        <Text key={row} wrap="truncate">
          <Text dimColor>{label(row)}</Text>
          {line(row)}
        </Text>
      ))}
      <Text wrap="truncate">
        <Text dimColor>{'v/s'.padStart(AXIS - 1)} </Text>
        {sparkline(race.votesPerSecond, Math.max(1, chartWidth - peak.length))}
        <Text dimColor>{peak}</Text>
      </Text>
      <Text wrap="truncate">
        <Text dimColor>{' '.repeat(AXIS)}</Text>
        {marks.join('').trimEnd() || ' '}
      </Text>
    </Box>
  )
}
