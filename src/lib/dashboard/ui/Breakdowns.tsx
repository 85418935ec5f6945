import type {ReactNode} from 'react'
import {Box, Text} from 'ink'

import {count, fit, pct} from '../format.js'
import type {Snapshot} from '../types.js'
import {GAP} from './layout.js'
import {bar} from './theme.js'
import {PANELS, type BreakdownPanel} from '../view.js'

const TITLES: Record<BreakdownPanel, string> = {gender: 'Gender', age: 'Age band', party: 'Party'}

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

/** Narrow: the panel chosen with tab, its name highlighted among the three. Wide: all three. */
export function Breakdowns({snapshot, panel, width, all}: {snapshot: Snapshot; panel: BreakdownPanel; width: number; all: boolean}) {
  if (all) {
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
    <Text>
      {PANELS.map((p, i) => (
        <Text key={p}>
          {i > 0 ? ' │ ' : ''}
          {p === panel ? (
            <Text bold inverse>
              {TITLES[p]}
            </Text>
          ) : (
            <Text dimColor>{TITLES[p]}</Text>
          )}
        </Text>
      ))}
    </Text>
  )
  return <Panel snapshot={snapshot} panel={panel} width={width} title={tabs} />
}
