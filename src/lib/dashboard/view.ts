import type {RegionRow} from './types.js'

/** What the user chose to look at; changed only by keys, kept across data updates. */
export interface ViewState {
  sortField: RegionSortField
  sortDir: 'asc' | 'desc'
  page: number
  pageSize: number
  panel: Panel
}

export const REGION_SORT_FIELDS = ['counted', 'state', 'leaderShare', 'margin', 'turnoutPct'] as const
export type RegionSortField = (typeof REGION_SORT_FIELDS)[number]
export const PAGE_SIZES = [5, 10, 20, 50] as const
export const PANELS = ['gender', 'age', 'party'] as const
export type BreakdownPanel = (typeof PANELS)[number]
/** Panels tab cycles through: the breakdowns, and on a terminal too small to show them, the race and the map. */
export type Panel = BreakdownPanel | 'race' | 'map'

/**
 * The tab panels of a layout: what has no room below folds into a tab beside the breakdowns.
 * `raceShown`: the race (and any map) has its own row; `mapFits`: a US election, and the map fits the region table's place.
 */
export function panelsFor(raceShown: boolean, mapFits: boolean): readonly Panel[] {
  if (raceShown) return PANELS
  return [...PANELS, 'race', ...(mapFits ? (['map'] as const) : [])]
}

export const isBreakdown = (panel: Panel): panel is BreakdownPanel => (PANELS as readonly Panel[]).includes(panel)
/** Seconds between re-renders; 0 = push (render as records arrive). */
export const INTERVALS = [0, 1, 2, 5, 10, 15, 30, 60] as const

export const initialView: ViewState = {sortField: 'counted', sortDir: 'desc', page: 0, pageSize: 5, panel: 'gender'}

export type ViewAction = 'nextSort' | 'toggleDir' | 'nextPage' | 'prevPage' | 'firstPage' | 'lastPage' | 'nextPageSize' | 'nextPanel'

const next = <T>(list: readonly T[], current: T): T => list[(list.indexOf(current) + 1) % list.length]!

/** Pure reducer; `rows` (the region count) keeps the page within range; `panels` are the layout's tabs. */
export function reduceView(view: ViewState, action: ViewAction, rows: number, panels: readonly Panel[] = PANELS): ViewState {
  const last = Math.max(0, Math.ceil(rows / view.pageSize) - 1)
  const page = Math.min(view.page, last)
  switch (action) {
    case 'nextSort':
      return {...view, sortField: next(REGION_SORT_FIELDS, view.sortField), page: 0}
    case 'toggleDir':
      return {...view, sortDir: view.sortDir === 'asc' ? 'desc' : 'asc', page: 0}
    case 'nextPage':
      return {...view, page: Math.min(last, page + 1)}
    case 'prevPage':
      return {...view, page: Math.max(0, page - 1)}
    case 'firstPage':
      return {...view, page: 0}
    case 'lastPage':
      return {...view, page: last}
    case 'nextPageSize':
      return {...view, pageSize: next(PAGE_SIZES, view.pageSize as (typeof PAGE_SIZES)[number]), page: 0}
    case 'nextPanel':
      // A panel the layout no longer has (the terminal grew) counts as the first one.
      return {...view, page, panel: next(panels, panels.includes(view.panel) ? view.panel : panels[0]!)}
  }
}

export function nextInterval(current: number, direction: 1 | -1): number {
  const i = INTERVALS.findIndex((s) => s >= current)
  const at = i < 0 ? INTERVALS.length - 1 : i
  return INTERVALS[Math.min(INTERVALS.length - 1, Math.max(0, at + direction))]!
}

export function sortRegions(rows: RegionRow[], field: RegionSortField, dir: 'asc' | 'desc'): RegionRow[] {
  const sign = dir === 'asc' ? 1 : -1
  const compare = (a: RegionRow, b: RegionRow): number => {
    if (field === 'state') return a.state.localeCompare(b.state)
    // An unknown turnout sorts below every known one.
    return (a[field] ?? -1) - (b[field] ?? -1)
  }
  // Ties always by state ascending so equal counts do not jump around between renders.
  return [...rows].sort((a, b) => sign * compare(a, b) || a.state.localeCompare(b.state))
}

export interface Page<T> {
  rows: T[]
  /** Zero-based, clamped to the last page. */
  page: number
  pages: number
}

export function pageOf<T>(rows: T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(rows.length / size))
  const at = Math.min(Math.max(0, page), pages - 1)
  return {rows: rows.slice(at * size, at * size + size), page: at, pages}
}
