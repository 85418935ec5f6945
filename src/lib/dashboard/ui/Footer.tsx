import {Text} from 'ink'

import {count, ms, rate} from '../format.js'
import type {Health as HealthData} from '../types.js'

export function Health({health, counted}: {health: HealthData; counted: number}) {
  const lagColour = health.lag === null ? undefined : health.lag > 10_000 ? 'red' : health.lag > 1000 ? 'yellow' : 'green'
  const latency = `latency ${ms(health.latencyMs.latest)} (p99 ${ms(health.latencyMs.p99)})`
  return (
    <Text wrap="truncate">
      <Text bold>Pipeline</Text> counted {count(counted)} · {rate(health.votesPerSecond)} votes/s · {latency} · lag{' '}
      <Text color={lagColour}>{count(health.lag)}</Text>
    </Text>
  )
}

export function Footer({wide}: {wide: boolean}) {
  const keys = wide
    ? 'q quit · r refresh now · +/- interval (0=push…60 s) · tab panel · s sort field · d direction · ←/→ PgUp/PgDn page · p page size'
    : 'q quit · r refresh · +/- interval · tab panel · s/d sort · ←→/PgUp/PgDn · p size'
  return (
    <Text dimColor wrap="truncate">
      {keys}
    </Text>
  )
}
