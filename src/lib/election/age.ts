/**
 * The age bands every dimension uses: the aggregator counts votes by them, preferences trend
 * across them, the dashboard orders them and verify groups Postgres' ground truth by them.
 * Defined once, here: a band holds the ages below its `below` (the last one, all the rest).
 */
const BANDS = [
  {label: '18-24', below: 25},
  {label: '25-34', below: 35},
  {label: '35-44', below: 45},
  {label: '45-54', below: 55},
  {label: '55-64', below: 65},
] as const
const LAST = '65+'

export type AgeBand = (typeof BANDS)[number]['label'] | typeof LAST

export const AGE_BANDS: readonly AgeBand[] = [...BANDS.map((b) => b.label), LAST]

export function ageBand(age: number): AgeBand {
  return BANDS.find((b) => age < b.below)?.label ?? LAST
}

/** The same bands as a SQL CASE over an INTEGER age column (for GROUP BY in Postgres). */
export function ageBandSql(column: string): string {
  return `CASE ${BANDS.map((b) => `WHEN ${column} <= ${b.below - 1} THEN '${b.label}'`).join(' ')} ELSE '${LAST}' END`
}
