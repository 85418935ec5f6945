import {useState} from 'react'
import {Box, useInput, useStdin, type Key} from 'ink'

import type {Snapshot} from '../types.js'
import {initialView, nextInterval, panelsFor, reduceView, type ViewAction, type ViewState} from '../view.js'
import {Breakdowns} from './Breakdowns.js'
import {Candidates} from './Candidates.js'
import {ChaosLine} from './ChaosLine.js'
import {Footer, Health} from './Footer.js'
import {Header, Totals} from './Header.js'
import {GAP, layoutFor, useTerminalSize} from './layout.js'
import {Leader} from './Leader.js'
import {RegionTable} from './RegionTable.js'
import {RaceChart} from './RaceChart.js'
import {MAP_COLUMNS, StateMap} from './StateMap.js'
import {isUsElection} from '../us-tiles.js'

export interface DashboardProps {
  snapshot: Snapshot
  /** Seconds between re-renders; 0 = push. */
  intervalSec: number
  onQuit?: () => void
  onRefresh?: () => void
  onInterval?: (seconds: number) => void
  initial?: Partial<ViewState>
}

/** The map (title, nine rows of tiles; its legend goes beside it) is three rows taller than a page of five regions. */
const MAP_TAB_EXTRA_ROWS = 3

/** Key to view action; the rest (quit, refresh, interval) is handled by the caller's callbacks. */
export function actionFor(input: string, key: Key): ViewAction | undefined {
  if (key.tab) return 'nextPanel'
  if (input === 's') return 'nextSort'
  if (input === 'd') return 'toggleDir'
  if (input === 'p') return 'nextPageSize'
  if (key.rightArrow || key.downArrow || key.pageDown) return 'nextPage'
  if (key.leftArrow || key.upArrow || key.pageUp) return 'prevPage'
  if (key.home) return 'firstPage'
  if (key.end) return 'lastPage'
  return undefined
}

/** The whole screen for one snapshot; the view state (sort, page, panel) lives here. */
export function Dashboard({snapshot, intervalSec, onQuit, onRefresh, onInterval, initial}: DashboardProps) {
  const [view, setView] = useState<ViewState>({...initialView, ...initial})
  const {columns, rows} = useTerminalSize()
  const {isRawModeSupported} = useStdin()
  const usElection = isUsElection(snapshot.regions)
  const layout = layoutFor(columns, rows, usElection)
  const panels = panelsFor(layout.race, usElection && layout.regionWidth >= MAP_COLUMNS)
  // On a small terminal the map is a tab: it takes the region table's place (MAP_TAB_EXTRA_ROWS taller).
  const mapTab = view.panel === 'map' && panels.includes('map')

  useInput(
    (input, key) => {
      if (input === 'q' || key.escape || (key.ctrl && input === 'c')) onQuit?.()
      else if (input === 'r') onRefresh?.()
      else if (input === '+' || input === '=') onInterval?.(nextInterval(intervalSec, 1))
      else if (input === '-' || input === '_') onInterval?.(nextInterval(intervalSec, -1))
      else {
        const action = actionFor(input, key)
        if (action) setView((v) => reduceView(v, action, snapshot.regions.length, panels))
      }
    },
    // Without a TTY on stdin there are no keys to read (raw mode would throw).
    {isActive: isRawModeSupported === true},
  )

  return (
    <Box flexDirection="column" width={layout.columns}>
      <Header snapshot={snapshot} intervalSec={intervalSec} columns={layout.columns} />
      <Totals totals={snapshot.totals} />
      {snapshot.chaos && <ChaosLine chaos={snapshot.chaos} />}
      <Box marginTop={1}>
        <Leader leader={snapshot.leader} columns={layout.columns} />
      </Box>
      <Box marginTop={1}>
        <Candidates
          candidates={snapshot.candidates}
          width={layout.columns}
          maxRows={mapTab ? Math.max(2, layout.maxCandidates - MAP_TAB_EXTRA_ROWS) : layout.maxCandidates}
          wide={layout.wide}
        />
      </Box>
      <Box marginTop={1}>
        {mapTab ? (
          <Box width={layout.regionWidth}>
            <StateMap regions={snapshot.regions} candidates={snapshot.candidates} legend={false} />
          </Box>
        ) : (
          <RegionTable regions={snapshot.regions} view={view} width={layout.regionWidth} />
        )}
        <Box marginLeft={GAP}>
          <Breakdowns snapshot={snapshot} panel={view.panel} panels={panels} width={layout.breakdownWidth} all={layout.allBreakdowns} />
        </Box>
      </Box>
      {layout.race && (
        <Box marginTop={1}>
          {layout.map && (
            <Box marginRight={GAP}>
              <StateMap regions={snapshot.regions} candidates={snapshot.candidates} />
            </Box>
          )}
          <RaceChart race={snapshot.race} width={layout.raceWidth} />
        </Box>
      )}
      <Box marginTop={1}>
        <Health health={snapshot.health} counted={snapshot.totals.counted} />
      </Box>
      <Footer wide={layout.wide} />
    </Box>
  )
}
