import chalk from 'chalk'
import Table from 'cli-table3'

import type {ServiceStatus} from './index.js'

export function renderStatusTable(services: ServiceStatus[]): string {
  const table = new Table({head: ['service', 'address', 'source', 'pid', 'version', 'healthy']})
  for (const s of services) {
    table.push([s.service, s.address, s.source, s.pid ?? '-', s.version ?? '-', s.healthy ? chalk.green('yes') : chalk.red(`no: ${s.error ?? ''}`)])
  }
  return table.toString()
}
