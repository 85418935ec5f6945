import {Box, Text} from 'ink'

import type {CandidateRow, RegionRow} from '../types.js'
import {CLOSE_MARGIN, tileGrid, type Tile} from '../us-tiles.js'
import {colourMap} from './theme.js'

/** Columns the map takes: 11 tiles of 4. */
export const MAP_COLUMNS = 44

/**
 * Who leads each state, as an election-night tile map. A tile reads without colour too: its
 * code, then the leader's number from the legend; lower case when the race there is close.
 * In colour, a safe state is filled with its leader's colour, a close one only written in it.
 */
export function StateMap({regions, candidates, legend = true}: {regions: RegionRow[]; candidates: CandidateRow[]; legend?: boolean}) {
  const colours = colourMap(candidates.map((c) => c.candidate_id))
  const numbers = new Map(candidates.map((c, i) => [c.candidate_id, i + 1]))
  const tile = (t: Tile | null, key: number) => {
    if (!t) return <Text key={key}>{'    '}</Text>
    if (!t.region)
      return (
        <Text key={key} dimColor>
          {`${t.code}· `}
        </Text>
      )
    const n = numbers.get(t.region.leaderId)
    const text = `${t.close ? t.code.toLowerCase() : t.code}${n !== undefined && n < 10 ? n : '+'}`
    const colour = colours.get(t.region.leaderId)
    return (
      <Text key={key}>
        {t.close ? (
          <Text color={colour}>{text}</Text>
        ) : (
          <Text backgroundColor={colour} color="black">
            {text}
          </Text>
        )}{' '}
      </Text>
    )
  }
  return (
    <Box flexDirection="column" width={MAP_COLUMNS}>
      <Text bold wrap="truncate">
        Who leads where <Text dimColor>{`· lower case: margin < ${CLOSE_MARGIN} pts`}</Text>
      </Text>
      {tileGrid(regions).map((row, y) => (
        <Text key={y}>{row.map(tile)}</Text>
      ))}
      {legend && <MapLegend candidates={candidates} />}
    </Box>
  )
}

/** The numbers on the tiles: a line (under the map), or a column (beside it, in the map tab). */
export function MapLegend({candidates, column = false}: {candidates: CandidateRow[]; column?: boolean}) {
  const colours = colourMap(candidates.map((c) => c.candidate_id))
  const entries = candidates.slice(0, 9).map((c, i) => (
    <Text key={c.candidate_id} wrap="truncate">
      <Text color={colours.get(c.candidate_id)}>{`${i + 1} ${c.candidate_name}`}</Text>
      {column ? '' : '  '}
    </Text>
  ))
  return column ? <Box flexDirection="column">{entries}</Box> : <Text wrap="truncate">{entries}</Text>
}
