import {Box, Text} from 'ink'

import {clock, count, pct} from '../format.js'
import type {LinkState, Snapshot} from '../types.js'
import {linkColour} from './theme.js'

// Spaces between items as strings: JSX text keeps single spaces only (Prettier collapses runs), and Ink prints every space.
const GAP = '  '
const WIDE_GAP = '   '

const SHORT: Record<LinkState['status'], string> = {connected: 'up', connecting: 'connecting', unreachable: 'down', error: 'error'}

function Link({name, state, short}: {name: string; state: LinkState; short: boolean}) {
  return (
    <Text>
      {name} <Text color={linkColour(state)}>● {short ? SHORT[state.status] : state.status}</Text>
    </Text>
  )
}

/** Title, refresh time and mode, connection states; failure details on their own line. */
export function Header({snapshot, intervalSec, columns}: {snapshot: Snapshot; intervalSec: number; columns: number}) {
  const {kafka, postgres} = snapshot.connection
  const problems = [
    ['Kafka', kafka],
    ['Postgres', postgres],
  ].filter(([, s]) => (s as LinkState).status !== 'connected' && (s as LinkState).detail) as Array<[string, LinkState]>
  return (
    <Box flexDirection="column" width={columns}>
      <Box justifyContent="space-between">
        <Box flexShrink={1}>
          <Text wrap="truncate">
            <Text bold>Election dashboard</Text> · refreshed {clock(snapshot.refreshedAt)} ·{' '}
            {intervalSec === 0 ? 'push' : `every ${intervalSec} s`}
          </Text>
        </Box>
        <Box flexShrink={0} marginLeft={1}>
          <Text>
            <Link name="Kafka" state={kafka} short={columns < 100} />
            {GAP}
            <Link name="Postgres" state={postgres} short={columns < 100} />
          </Text>
        </Box>
      </Box>
      {problems.map(([name, s]) => (
        <Text key={name} color="red" wrap="truncate">
          {name} {s.status}: {s.detail} (retrying)
        </Text>
      ))}
    </Box>
  )
}

export function Totals({totals}: {totals: Snapshot['totals']}) {
  return (
    <Text wrap="truncate">
      Voters <Text bold>{count(totals.voters)}</Text>
      {WIDE_GAP}Candidates <Text bold>{count(totals.candidates)}</Text>
      {WIDE_GAP}Votes cast <Text bold>{count(totals.votes)}</Text>
      {WIDE_GAP}Turnout <Text bold>{pct(totals.turnoutPct)}</Text>
    </Text>
  )
}
