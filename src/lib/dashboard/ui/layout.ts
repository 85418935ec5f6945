import {useEffect, useState} from 'react'
import {useStdout} from 'ink'

import {MAP_COLUMNS} from './StateMap.js'

/** Panel widths for a terminal width; everything is designed to fit 80x24 first. */
export interface Layout {
  columns: number
  /** Room for full candidate ids in the candidate table. */
  wide: boolean
  /** All three breakdown panels at once instead of one chosen with tab. */
  allBreakdowns: boolean
  regionWidth: number
  breakdownWidth: number
  /** Candidate rows that fit; the rest are summarised as "+N more". */
  maxCandidates: number
  /** The race chart under the tables, when the terminal is tall enough (else the race and the map are tabs). */
  race: boolean
  /** Beside it, the US tile map (en_US elections). */
  map: boolean
  raceWidth: number
}

export const GAP = 2

/** Terminal rows from which the race chart (and, for a US election, the map beside it) fit under the tables (11 rows). */
export const BOTTOM_FROM_ROWS = 34

export function layoutFor(columns: number, rows?: number, usElection = false): Layout {
  const cols = Math.max(60, columns)
  const wide = cols >= 120
  const allBreakdowns = cols >= 150
  const breakdownWidth = allBreakdowns ? Math.min(40, Math.floor(cols * 0.22)) : Math.min(40, Math.floor(cols * 0.42))
  const regionWidth = cols - (allBreakdowns ? 3 : 1) * (breakdownWidth + GAP)
  const race = rows !== undefined && rows >= BOTTOM_FROM_ROWS
  const map = race && usElection
  const raceWidth = map ? cols - MAP_COLUMNS - GAP : cols
  // 18 rows go to the other panels at 80x24 (29 with the race and map); candidates get what is left, at least 3.
  const maxCandidates = rows ? Math.max(3, rows - 18 - (race ? 11 : 0)) : Number.POSITIVE_INFINITY
  return {columns: cols, wide, allBreakdowns, regionWidth, breakdownWidth, maxCandidates, race, map, raceWidth}
}

/** Terminal size, following resizes. */
export function useTerminalSize(): {columns: number; rows?: number} {
  const {stdout} = useStdout()
  const read = () => ({columns: stdout.columns || 80, rows: stdout.rows || undefined})
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
