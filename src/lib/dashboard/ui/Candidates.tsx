import {Box, Text} from 'ink'

import {count, fit, pct} from '../format.js'
import type {CandidateRow} from '../types.js'
import {bar, colourMap} from './theme.js'

interface Props {
  candidates: CandidateRow[]
  width: number
  /** Rows for candidates, the "+N more" line included. */
  maxRows: number
  /** Room for the full candidate id; narrower terminals leave it out rather than show a truncated UUID. */
  wide: boolean
}

/** A UUID, in full. */
const ID_COLUMNS = 36

/** Narrow columns get short names rather than truncated field names. */
const SHORT_HEADER = {id: '', name: 'candidate', party: 'party', votes: 'votes'}

const cell = (text: string, width: number, right = false) => (right ? fit(text, width).padStart(width) : fit(text, width, true))

function Bar({share, width, colour}: {share: number; width: number; colour: string}) {
  const {filled, empty} = bar(share, width)
  return (
    <Text>
      <Text color={colour}>{filled}</Text>
      <Text dimColor>{empty}</Text>
    </Text>
  )
}

/** One table that is both the candidate list and the share chart: each row's bar is its share of the votes counted. */
export function Candidates({candidates, width, maxRows, wide}: Props) {
  if (candidates.length === 0) return <Text dimColor>No candidate totals yet.</Text>
  const colours = colourMap(candidates.map((c) => c.candidate_id))
  const idW = wide ? ID_COLUMNS : 0
  const [nameW, partyW, votesW, shareW] = [Math.min(22, Math.floor(width * 0.22)), Math.min(20, Math.floor(width * 0.2)), 9, 6]
  const columns = (idW ? 1 : 0) + 5
  const barW = Math.max(4, width - (idW + nameW + partyW + votesW + shareW + columns))
  const shown = candidates.length > maxRows ? candidates.slice(0, Math.max(1, maxRows - 1)) : candidates
  const hidden = candidates.length - shown.length
  const left = (c: {id: string; name: string; party: string; votes: string}) =>
    [...(idW ? [cell(c.id, idW)] : []), cell(c.name, nameW), cell(c.party, partyW), cell(c.votes, votesW, true)].join(' ')
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>Candidates</Text>
      <Text dimColor>
        {left(wide ? {id: 'candidate_id', name: 'candidate_name', party: 'party_affiliation', votes: 'votes'} : SHORT_HEADER)}{' '}
        {cell('share', barW + 1 + shareW)}
      </Text>
      {shown.map((c) => (
        <Text key={c.candidate_id} wrap="truncate">
          {left({id: c.candidate_id, name: c.candidate_name, party: c.party_affiliation, votes: count(c.total_votes)})}{' '}
          <Bar share={c.share} width={barW} colour={colours.get(c.candidate_id)!} /> {cell(pct(c.share), shareW, true)}
        </Text>
      ))}
      {hidden > 0 && <Text dimColor>+{hidden} more candidates (enlarge the terminal to see them)</Text>}
    </Box>
  )
}
