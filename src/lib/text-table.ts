import chalk from 'chalk'
import Table from 'cli-table3'

type Align = 'left' | 'right'

/**
 * A cli-table3 table whose only colours come from chalk. cli-table3 colours headers (red) and
 * borders (grey) itself, whether or not stdout is a terminal, so a piped `services status` or
 * `verify` carried escape codes into files; chalk follows the TTY, NO_COLOR and FORCE_COLOR.
 */
export function textTable(head: string[], options: {align?: Align[]; compact?: boolean} = {}): Table.Table {
  const compact = options.compact ? {chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''}} : {}
  return new Table({
    style: {head: [], border: []},
    ...compact,
    head: head.map((h) => chalk.bold(h)),
    ...(options.align ? {colAligns: options.align} : {}),
  })
}
