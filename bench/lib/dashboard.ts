import {spawn} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'

import {BIN, ROOT} from './cli.js'
import {processCpu} from './cpu.js'

/** What the live dashboard cost while votes flowed: CPU as a share of one core, and memory. */
export interface DashboardCost {
  rate: number
  columns: number
  rows: number
  seconds: number
  /** CPU seconds over wall seconds, in percent of one core. */
  cpuPct: number
  peakRssMb: number | null
  rssMbAtEnd: number | null
}

const kb = (pid: number, field: 'VmHWM' | 'VmRSS') => {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Math.round(Number(match[1]) / 1024) : null
  } catch {
    return null
  }
}

/** The node process that `script` runs: its child (`exec` replaced the shell). */
function childOf(pid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(entry)
    } catch {
      // gone meanwhile
    }
  }
  return undefined
}

/**
 * The live dashboard in a pseudo-terminal of columns x rows (util-linux `script`), as a person
 * runs it: Ink draws to a TTY, keys are read in raw mode. `measure` brackets the part to measure.
 */
export async function dashboardCost(
  env: NodeJS.ProcessEnv,
  size: {columns: number; rows: number; rate: number},
  during: () => Promise<void>,
): Promise<DashboardCost> {
  const command = `stty cols ${size.columns} rows ${size.rows}; exec '${process.execPath}' '${BIN}' dashboard`
  const script = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: {...env, TERM: 'xterm-256color'},
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  try {
    let pid: number | undefined
    for (let i = 0; i < 100 && pid === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      pid = childOf(script.pid!)
    }
    if (pid === undefined) throw new Error('the dashboard did not start under script(1)')
    // Let it connect and replay the topics first: that is start-up, not the steady cost.
    await new Promise((resolve) => setTimeout(resolve, 5000))
    const cpu0 = processCpu(pid)
    const t0 = performance.now()
    await during()
    const cpu1 = processCpu(pid)
    const seconds = (performance.now() - t0) / 1000
    if (cpu0 === undefined || cpu1 === undefined) throw new Error('the dashboard ended during the measurement')
    return {
      ...size,
      seconds: Math.round(seconds * 10) / 10,
      cpuPct: Math.round(((cpu1 - cpu0) / seconds) * 1000) / 10,
      peakRssMb: kb(pid, 'VmHWM'),
      rssMbAtEnd: kb(pid, 'VmRSS'),
    }
  } finally {
    script.stdin?.end('q')
    script.kill('SIGTERM')
  }
}
