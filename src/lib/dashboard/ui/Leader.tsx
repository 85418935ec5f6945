import {Box, Text} from 'ink'

import {count, pct} from '../format.js'
import type {Leader as LeaderData} from '../types.js'

export function Leader({leader, columns}: {leader: LeaderData | null; columns: number}) {
  if (!leader) {
    return (
      <Box flexDirection="column" width={columns}>
        <Text color="yellow">Waiting for votes: no votes counted yet.</Text>
        <Text dimColor>Start the aggregator and cast votes; this view updates as they are counted.</Text>
      </Box>
    )
  }
  const lead =
    leader.lead > 0
      ? `lead ${count(leader.lead)}${leader.runner_up ? ` over ${leader.runner_up}` : ''}`
      : `tied${leader.runner_up ? ` with ${leader.runner_up}` : ''}`
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate">
        Leading{' '}
        <Text bold color="green">
          {leader.candidate_name}
        </Text>{' '}
        ({leader.party_affiliation}) · <Text bold>{count(leader.total_votes)}</Text> votes · {pct(leader.share)} · {lead}
      </Text>
      <Text dimColor wrap="truncate">
        Photo {leader.photo_url ?? '-'}
      </Text>
    </Box>
  )
}
