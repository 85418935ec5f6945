import {Text} from 'ink'

import {clock, count} from '../format.js'
import type {ChaosState} from '../types.js'

/**
 * Under `demo --chaos`: what was killed and whether anything was counted twice as of the last
 * live check, most important first (a narrow terminal cuts the end).
 */
export function ChaosLine({chaos}: {chaos: ChaosState}) {
  const last = chaos.kills.at(-1)
  const check = chaos.lastCheck
  const of = (stage: string) => chaos.kills.filter((k) => k.stage === stage).length
  return (
    <Text wrap="truncate">
      <Text bold color="red">
        Chaos
      </Text>{' '}
      {chaos.kills.length} kill -9 (vote {of('vote')}, aggregate {of('aggregate')}) ·{' '}
      {check ? (
        <Text color={check.countedTwice === 0 ? 'green' : 'red'}>
          {count(check.countedTwice)} counted twice, {count(check.waiting)} to count ({clock(check.at)})
        </Text>
      ) : (
        <Text dimColor>first check soon</Text>
      )}
      {last ? ` · last kill: ${last.stage} at ${clock(last.at)}, restarted` : ''}
    </Text>
  )
}
