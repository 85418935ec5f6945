import {existsSync, readdirSync, readFileSync} from 'node:fs'

/** CPU time from /proc (Linux): per process, per process tree, and for the whole machine. */
const TICKS_PER_SECOND = 100 // USER_HZ, the unit of /proc/<pid>/stat and /proc/stat on Linux

export const hasProc = () => existsSync('/proc/self/stat')

interface ProcStat {
  ppid: number
  /** utime + stime, seconds. */
  own: number
  /** cutime + cstime: children this process has waited for (e.g. Postgres backends that exited). */
  reaped: number
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number)
    return {ppid: f[1]!, own: (f[11]! + f[12]!) / TICKS_PER_SECOND, reaped: (f[13]! + f[14]!) / TICKS_PER_SECOND}
  } catch {
    return undefined
  }
}

/** CPU seconds a process has used so far (undefined once it is gone). */
export const processCpu = (pid: number | undefined) => (pid ? procStat(pid)?.own : undefined)

/**
 * CPU seconds of a server and its direct children, living or exited: the Postgres postmaster,
 * its backends (one per connection) and the background workers. Exited backends are counted
 * through the postmaster's cutime/cstime.
 */
export function treeCpu(rootPid: number | undefined): number | undefined {
  const root = rootPid ? procStat(rootPid) : undefined
  if (!root) return undefined
  let total = root.own + root.reaped
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const child = procStat(Number(entry))
    if (child && child.ppid === rootPid) total += child.own
  }
  return total
}

/** Busy and total CPU seconds of the whole machine (all cores), from the first line of /proc/stat. */
export function machineCpu(): {busy: number; total: number} | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.slice(0, 8).map(Number) as number[]
    const busy = user! + nice! + system! + irq! + softirq! + steal!
    return {busy: busy / TICKS_PER_SECOND, total: (busy + idle! + iowait!) / TICKS_PER_SECOND}
  } catch {
    return undefined
  }
}

/**
 * What some work cost the whole machine: every process's CPU (the command, Postgres, the broker, and
 * whatever else ran), so on a shared machine it errs high. On two cores the commands and their
 * services compete for the same CPU, so a rate alone hides whether the work was cheap and waited, or
 * used the machine up: `cores` tells which, `microsPerRecord` compares the work itself.
 */
export interface CpuUse {
  /** Busy CPU of all cores over the wall time: 2 on a two-core machine used up. */
  cores: number
  /** Busy CPU microseconds per record handled. */
  microsPerRecord: number
}

export function cpuUse(busySeconds: number, wallSeconds: number, records: number): CpuUse | undefined {
  if (!(wallSeconds > 0) || !(records > 0) || !(busySeconds >= 0)) return undefined
  return {cores: Math.round((busySeconds / wallSeconds) * 100) / 100, microsPerRecord: Math.round((busySeconds / records) * 1e8) / 100}
}

/** Busy CPU seconds of the whole machine so far (undefined without /proc). */
export const machineBusy = (): number | undefined => machineCpu()?.busy

/**
 * Samples named CPU counters every `everyMs` and keeps the first and last value of each, so a
 * process's time is known up to its last sample before it exits. Counters of processes started
 * inside the window count from 0 (`fromZero`): node's start-up is part of the work.
 */
export class CpuWatch {
  private readonly counters = new Map<string, {read: () => number | undefined; first?: number; last?: number}>()
  private timer?: NodeJS.Timeout

  track(name: string, read: () => number | undefined, fromZero = false): void {
    const counter = {read, first: fromZero ? 0 : read(), last: undefined as number | undefined}
    counter.last = counter.first
    this.counters.set(name, counter)
  }

  start(everyMs = 250): void {
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  /** Seconds used per counter since it was tracked. */
  stop(): Record<string, number> {
    clearInterval(this.timer)
    this.sample()
    const used: Record<string, number> = {}
    for (const [name, c] of this.counters)
      if (c.first !== undefined && c.last !== undefined) used[name] = Math.round((c.last - c.first) * 100) / 100
    return used
  }

  private sample(): void {
    for (const c of this.counters.values()) {
      const v = c.read()
      if (v === undefined) continue
      c.first ??= v
      c.last = v
    }
  }
}
