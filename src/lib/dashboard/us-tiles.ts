import type {RegionRow} from './types.js'

/**
 * The 50 states as a tile grid (election-night style: one square per state, roughly where the
 * state lies): rows top to bottom, `..` an empty cell.
 */
const GRID = [
  'AK .. .. .. .. .. .. .. .. .. ME',
  '.. .. .. .. .. WI .. .. .. VT NH',
  'WA ID MT ND MN IL MI .. NY MA ..',
  'OR NV WY SD IA IN OH PA NJ CT RI',
  'CA UT CO NE MO KY WV VA MD DE ..',
  '.. AZ NM KS AR TN NC SC .. .. ..',
  '.. .. .. OK LA MS AL GA .. .. ..',
  'HI .. .. TX .. .. .. .. FL .. ..',
].map((row) => row.split(' '))

export const STATE_CODES: Readonly<Record<string, string>> = {
  Alabama: 'AL',
  Alaska: 'AK',
  Arizona: 'AZ',
  Arkansas: 'AR',
  California: 'CA',
  Colorado: 'CO',
  Connecticut: 'CT',
  Delaware: 'DE',
  Florida: 'FL',
  Georgia: 'GA',
  Hawaii: 'HI',
  Idaho: 'ID',
  Illinois: 'IL',
  Indiana: 'IN',
  Iowa: 'IA',
  Kansas: 'KS',
  Kentucky: 'KY',
  Louisiana: 'LA',
  Maine: 'ME',
  Maryland: 'MD',
  Massachusetts: 'MA',
  Michigan: 'MI',
  Minnesota: 'MN',
  Mississippi: 'MS',
  Missouri: 'MO',
  Montana: 'MT',
  Nebraska: 'NE',
  Nevada: 'NV',
  'New Hampshire': 'NH',
  'New Jersey': 'NJ',
  'New Mexico': 'NM',
  'New York': 'NY',
  'North Carolina': 'NC',
  'North Dakota': 'ND',
  Ohio: 'OH',
  Oklahoma: 'OK',
  Oregon: 'OR',
  Pennsylvania: 'PA',
  'Rhode Island': 'RI',
  'South Carolina': 'SC',
  'South Dakota': 'SD',
  Tennessee: 'TN',
  Texas: 'TX',
  Utah: 'UT',
  Vermont: 'VT',
  Virginia: 'VA',
  Washington: 'WA',
  'West Virginia': 'WV',
  Wisconsin: 'WI',
  Wyoming: 'WY',
}

/** A margin (percentage points) under which a state counts as close: its tile is dimmed. */
export const CLOSE_MARGIN = 5

export interface Tile {
  code: string
  /** The state's row, or null while no vote is counted there. */
  region: RegionRow | null
  close: boolean
}

/** The grid's cells, row by row; null where no state is. */
export function tileGrid(regions: RegionRow[]): Array<Array<Tile | null>> {
  const byCode = new Map<string, RegionRow>()
  for (const r of regions) {
    const code = STATE_CODES[r.state]
    if (code) byCode.set(code, r)
  }
  return GRID.map((row) =>
    row.map((code) => {
      if (code === '..') return null
      const region = byCode.get(code) ?? null
      return {code, region, close: region !== null && region.margin < CLOSE_MARGIN}
    }),
  )
}

/**
 * The map only makes sense for an election among the US states (locale en_US): when most of the
 * regions with votes are state names. Other locales get the region list alone.
 */
export function isUsElection(regions: RegionRow[]): boolean {
  if (regions.length === 0) return false
  const states = regions.filter((r) => r.state in STATE_CODES).length
  return states / regions.length >= 0.9
}
