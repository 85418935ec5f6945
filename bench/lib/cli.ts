import {spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

/** Runs the real, built CLI (`node bin/run.js ... --json`) as a child process. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = `${ROOT}bin/run.js`

const live = new Set<ChildProcess>()

export interface CliResult<T> {
  json: T
  code: number | null
  /** Wall time of the whole process, node start-up included. */
  wallSeconds: number
  /** Peak resident set size (VmHWM), polled from /proc; null where /proc is missing. */
  peakRssMb: number | null
}

export interface Running<T> {
  child: ChildProcess
  result: Promise<CliResult<T>>
}

export function vmHwmKb(pid: number | undefined): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

export function startCli<T>(args: string[], env: NodeJS.ProcessEnv): Running<T> {
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, ...args, '--json'], {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
  live.add(child)
  let stdout = ''
  let stderr = ''
  let peakKb: number | undefined
  const poll = setInterval(() => (peakKb = vmHwmKb(child.pid) ?? peakKb), 100)
  child.stdout?.on('data', (d) => (stdout += d))
  child.stderr?.on('data', (d) => (stderr += d))
  const label = `election ${args.join(' ')}`
  const result = new Promise<CliResult<T>>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      live.delete(child)
      let json: T
      try {
        json = JSON.parse(stdout) as T
      } catch {
        return reject(new Error(`${label} exited ${code ?? signal} without JSON: ${(stderr || stdout).trim().slice(0, 1000)}`))
      }
      if (code !== 0) return reject(new Error(`${label} exited ${code ?? signal}: ${JSON.stringify(json).slice(0, 1000)}`))
      resolve({
        json,
        code,
        wallSeconds: Math.round(performance.now() - started) / 1000,
        peakRssMb: peakKb === undefined ? null : Math.round(peakKb / 1024),
      })
    })
  })
  result.catch(() => {}) // a failure is reported where the result is awaited, not as an unhandled rejection
  return {child, result}
}

export const runCli = <T>(args: string[], env: NodeJS.ProcessEnv) => startCli<T>(args, env).result

/** On Ctrl-C: stop every CLI child this harness started (by pid). */
export function stopAllChildren(): void {
  for (const child of live) child.kill('SIGTERM')
}
