import type {ReactNode} from 'react'
import {Box, Text} from 'ink'

import {count, fit, pct} from '../format.js'
import type {Snapshot} from '../types.js'
import {GAP} from './layout.js'
import {bar} from './theme.js'
import {isBreakdown, PANELS, type BreakdownPanel, type Panel as TabPanel} from '../view.js'
import {COMPACT_CHART_ROWS, RaceChart} from './RaceChart.js'
import {MapLegend} from './StateMap.js'

const TITLES: Record<TabPanel, string> = {gender: 'Gender', age: 'Age band', party: 'Party', race: 'Race', map: 'Map'}
/** Five tabs fit 33 columns (an 80-column terminal's panel) with the age band's short name. */
const tabTitle = (p: TabPanel, tabs: number) => (p === 'age' && tabs > PANELS.length ? 'Age' : TITLES[p])

function rowsOf(snapshot: Snapshot, panel: BreakdownPanel): Array<{key: string; count: number; share: number}> {
  if (panel === 'gender') return snapshot.gender.map((g) => ({key: g.gender, count: g.count, share: g.share}))
  if (panel === 'age') return snapshot.age.map((a) => ({key: a.age_band, count: a.count, share: a.share}))
  return snapshot.party.map((p) => ({key: p.party_affiliation, count: p.total_votes, share: p.share}))
}

function Panel({snapshot, panel, width, title}: {snapshot: Snapshot; panel: BreakdownPanel; width: number; title: ReactNode}) {
  const rows = rowsOf(snapshot, panel)
  const [countW, shareW] = [7, 6]
  const keyW = Math.min(16, Math.floor(width * 0.4))
  const barW = Math.max(0, width - (keyW + countW + shareW + 3))
  return (
    <Box flexDirection="column" width={width}>
      {title}
      {rows.length === 0 && <Text dimColor>no data yet</Text>}
      {rows.map((r) => (
        <Text key={r.key} wrap="truncate">
          {fit(r.key, keyW, true)} {count(r.count).padStart(countW)} {pct(r.share).padStart(shareW)}{' '}
          <Text color="cyan">{bar(r.share, barW).filled}</Text>
        </Text>
      ))}
    </Box>
  )
}

interface Props {
  snapshot: Snapshot
  panel: TabPanel
  /** The tabs, in order; the race and the map are among them when the terminal has no room for them below. */
  panels: readonly TabPanel[]
  width: number
  all: boolean
}

/**
 * Narrow: the panel chosen with tab, its name highlighted among the tabs. Wide: all three breakdowns
 * (unless the race or the map tab is chosen).
 * The race tab draws a compact chart here; the map tab its legend (the map takes the region table's place).
 */
export function Breakdowns({snapshot, panel: chosen, panels, width, all}: Props) {
  const panel = panels.includes(chosen) ? chosen : panels[0]!
  if (all && isBreakdown(panel)) {
    return (
      <Box>
        {PANELS.map((p, i) => (
          <Box key={p} marginLeft={i === 0 ? 0 : GAP}>
            <Panel
              snapshot={snapshot}
              panel={p}
              width={width}
              title={
                <Text bold inverse={p === panel}>
                  {p === panel ? `▸ ${TITLES[p]}` : TITLES[p]}
                </Text>
              }
            />
          </Box>
        ))}
      </Box>
    )
  }
  const tabs = (
    <Text wrap="truncate">
      {panels.map((p, i) => (
        <Text key={p}>
          {i > 0 ? ' │ ' : ''}
          {p === panel ? (
            <Text bold inverse>
              {tabTitle(p, panels.length)}
            </Text>
          ) : (
            <Text dimColor>{tabTitle(p, panels.length)}</Text>
          )}
        </Text>
      ))}
    </Text>
  )
  if (panel === 'race') return <RaceChart race={snapshot.race} width={width} chartRows={COMPACT_CHART_ROWS} title={tabs} />
  if (panel === 'map')
    return (
      <Box flexDirection="column" width={width}>
        {tabs}
        <MapLegend candidates={snapshot.candidates} column />
      </Box>
    )
  return <Panel snapshot={snapshot} panel={panel} width={width} title={tabs} />
}
