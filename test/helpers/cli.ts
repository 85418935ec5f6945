import {spawn, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const running = new Set<ChildProcess>()
// Output is collected from the start, so a chatty child never blocks on a full pipe.
const output = new WeakMap<ChildProcess, {stdout: string; stderr: string}>()

/** Starts the real, built CLI as a child process (no TTY). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {env: {...env, ELECTION_EXIT_WITH_PARENT: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  const collected = {stdout: '', stderr: ''}
  output.set(child, collected)
  child.stdout?.on('data', (d) => (collected.stdout += d))
  child.stderr?.on('data', (d) => (collected.stderr += d))
  running.add(child)
  child.on('exit', () => running.delete(child))
  return child
}

/** Kills every CLI process a test started and did not wait for, so a failed test leaves nothing running. */
export function killAllCli(): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

export function waitFor(child: ChildProcess): Promise<CliResult> {
  const collected = output.get(child) ?? {stdout: '', stderr: ''}
  const result = (code: number | null, signal: NodeJS.Signals | null) => ({code, signal, ...collected})
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(result(child.exitCode, child.signalCode))
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(result(code, signal))))
}

/**
 * Runs the CLI to the end. A run that outlives `limitMs` (a consumer that never goes idle)
 * is stopped with SIGTERM, then SIGKILL, and fails the test with its output.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, limitMs = 120_000): Promise<CliResult> {
  return finishCli(startCli(args, env), args, limitMs)
}

/** Waits for a started CLI like runCli does: one that outlives `limitMs` is stopped and fails the test. */
export async function finishCli(child: ChildProcess, args: string[], limitMs = 120_000): Promise<CliResult> {
  const done = waitFor(child)
  let hung = false
  const term = setTimeout(() => {
    hung = true
    child.kill('SIGTERM')
  }, limitMs)
  const kill = setTimeout(() => child.kill('SIGKILL'), limitMs + 10_000)
  const result = await done
  clearTimeout(term)
  clearTimeout(kill)
  if (hung) {
    throw new Error(
      `election ${args.join(' ')} did not finish within ${limitMs / 1000} s (stopped: exit ${result.code}, signal ${result.signal})\n` +
        `stdout: ${result.stdout}\nstderr: ${result.stderr}`,
    )
  }
  return result
}

/** Runs the CLI with --json and parses stdout; fails the test with stderr when stdout is not JSON. */
export async function runJson<T = Record<string, unknown>>(
  args: string[],
  env?: NodeJS.ProcessEnv,
  limitMs?: number,
): Promise<{code: number | null; json: T; stderr: string}> {
  const result = await runCli([...args, '--json'], env, limitMs)
  try {
    return {code: result.code, json: JSON.parse(result.stdout) as T, stderr: result.stderr}
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}
