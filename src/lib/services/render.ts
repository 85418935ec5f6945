import chalk from 'chalk'

import {textTable} from '../text-table.js'

import type {ServiceStatus} from './index.js'

export function renderStatusTable(services: ServiceStatus[]): string {
  const table = textTable(['service', 'address', 'source', 'pid', 'version', 'security', 'healthy'])
  for (const s of services) {
    table.push([
      s.service,
      s.address,
      s.source,
      s.pid ?? '-',
      s.version ?? '-',
      s.security,
      s.healthy ? chalk.green('yes') : chalk.red(`no: ${s.error ?? ''}`),
    ])
    // A local cluster: one line per broker under the cluster's own.
    for (const n of s.nodes ?? []) {
      const healthy = n.healthy ? chalk.green('yes') : chalk.red(`no: ${n.pid ? (n.error ?? '') : 'not running'}`)
      table.push([`  node ${n.nodeId}`, n.address, s.source, n.pid ?? '-', s.version ?? '-', s.security, healthy])
    }
  }
  return table.toString()
}
