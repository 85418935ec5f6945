import {Box, Text} from 'ink'

import {count, fit, pct} from '../format.js'
import type {CandidateRow} from '../types.js'
import {GAP} from './layout.js'
import {bar, colourMap} from './theme.js'

interface Props {
  candidates: CandidateRow[]
  width: number
  maxRows: number
}

const cell = (text: string, width: number, right = false) => (right ? fit(text, width).padStart(width) : fit(text, width, true))

function More({hidden}: {hidden: number}) {
  return hidden > 0 ? <Text dimColor>+{hidden} more candidates (enlarge the terminal to see them)</Text> : null
}

function Bar({share, width, colour}: {share: number; width: number; colour: string}) {
  const {filled, empty} = bar(share, width)
  return (
    <Text>
      <Text color={colour}>{filled}</Text>
      <Text dimColor>{empty}</Text>
    </Text>
  )
}

/** Narrow terminals: one table that is both the candidate table and the share chart. */
export function CandidatePanel({candidates, width, maxRows}: Props) {
  const colours = colourMap(candidates.map((c) => c.candidate_id))
  const [idW, nameW, partyW, votesW, shareW] = [8, Math.min(20, Math.floor(width * 0.2)), Math.min(18, Math.floor(width * 0.17)), 8, 6]
  const barW = Math.max(4, width - (idW + nameW + partyW + votesW + shareW + 5))
  const shown = candidates.slice(0, maxRows)
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>Candidates and vote share</Text>
      <Text dimColor>
        {[
          cell('id', idW),
          cell('candidate_name', nameW),
          cell('party', partyW),
          cell('votes', votesW, true),
          cell('share', barW + 1 + shareW),
        ].join(' ')}
      </Text>
      {shown.map((c) => (
        <Text key={c.candidate_id} wrap="truncate">
          {[
            cell(c.candidate_id, idW),
            cell(c.candidate_name, nameW),
            cell(c.party_affiliation, partyW),
            cell(count(c.total_votes), votesW, true),
          ].join(' ')}{' '}
          <Bar share={c.share} width={barW} colour={colours.get(c.candidate_id)!} /> {cell(pct(c.share), shareW, true)}
        </Text>
      ))}
      <More hidden={candidates.length - shown.length} />
    </Box>
  )
}

/** Wide terminals: a coloured bar per candidate with count and percentage. */
export function ShareBars({candidates, width, maxRows}: Props) {
  const colours = colourMap(candidates.map((c) => c.candidate_id))
  const [nameW, votesW, shareW] = [Math.min(20, Math.floor(width * 0.3)), 9, 7]
  const barW = Math.max(4, width - (nameW + votesW + shareW + 3))
  const shown = candidates.slice(0, maxRows)
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>Vote share</Text>
      <Text dimColor>{cell('candidate', nameW)}</Text>
      {shown.map((c) => (
        <Text key={c.candidate_id} wrap="truncate">
          {cell(c.candidate_name, nameW)} <Bar share={c.share} width={barW} colour={colours.get(c.candidate_id)!} />{' '}
          {cell(count(c.total_votes), votesW, true)} {cell(pct(c.share), shareW, true)}
        </Text>
      ))}
      <More hidden={candidates.length - shown.length} />
    </Box>
  )
}

export function CandidateTable({candidates, width, maxRows}: Props) {
  const [nameW, partyW, votesW] = [Math.min(20, Math.floor(width * 0.25)), Math.min(18, Math.floor(width * 0.2)), 11]
  const idW = Math.max(8, width - (nameW + partyW + votesW + 3))
  const shown = candidates.slice(0, maxRows)
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>Candidates</Text>
      <Text dimColor>
        {[
          cell('candidate_id', idW),
          cell('candidate_name', nameW),
          cell('party_affiliation', partyW),
          cell('total_votes', votesW, true),
        ].join(' ')}
      </Text>
      {shown.map((c) => (
        <Text key={c.candidate_id} wrap="truncate">
          {[
            cell(c.candidate_id, idW),
            cell(c.candidate_name, nameW),
            cell(c.party_affiliation, partyW),
            cell(count(c.total_votes), votesW, true),
          ].join(' ')}
        </Text>
      ))}
    </Box>
  )
}

export function Candidates({candidates, width, maxRows, wide}: Props & {wide: boolean}) {
  if (candidates.length === 0) return <Text dimColor>No candidate totals yet.</Text>
  if (!wide) return <CandidatePanel candidates={candidates} width={width} maxRows={maxRows} />
  // The table needs room for full ids; the bars are readable at less.
  const left = Math.floor((width - GAP) * 0.4)
  return (
    <Box>
      <ShareBars candidates={candidates} width={left} maxRows={maxRows} />
      <Box marginLeft={GAP}>
        <CandidateTable candidates={candidates} width={width - left - GAP} maxRows={maxRows} />
      </Box>
    </Box>
  )
}
