import type {LinkState} from '../types.js'

/** Ink colours go through chalk, so NO_COLOR (chalk.level 0) turns all of them off. */
const PALETTE = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red', 'white'] as const

/** A candidate keeps its colour when the ranking changes: colour by id order, not by rank. */
export function colourMap(ids: string[]): Map<string, string> {
  return new Map([...ids].sort().map((id, i) => [id, PALETTE[i % PALETTE.length]!]))
}

export function linkColour(state: LinkState): string {
  if (state.status === 'connected') return 'green'
  if (state.status === 'connecting') return 'yellow'
  return 'red'
}

export function bar(share: number, width: number): {filled: string; empty: string} {
  const n = Math.max(0, Math.min(width, Math.round(((Number.isFinite(share) ? share : 0) / 100) * width)))
  return {filled: '█'.repeat(n), empty: '░'.repeat(width - n)}
}
