import {createServer} from 'node:net'

/** Whether a pid is a live process (signal 0 only checks). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Sends `signal` (SIGTERM by default), then SIGKILL if the process is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return
  process.kill(pid, signal)
  const until = Date.now() + graceMs
  while (Date.now() < until) {
    if (!isAlive(pid)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
}

/** A port the OS says is free right now on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * Whether `command` is on PATH and runs. Only "not found" (or not executable) means no: a probe
 * that is slow or fails in another way still found the command. `mvn -v` starts a JVM, which took
 * over 10 s on a machine under load and was then reported as "Maven is not on PATH".
 */
export async function commandExists(command: string, args = ['--version'], timeoutMs = 10_000): Promise<boolean> {
  const {execFile} = await import('node:child_process')
  return new Promise((resolve) => {
    execFile(command, args, {timeout: timeoutMs}, (error) => {
      const code = (error as NodeJS.ErrnoException | null)?.code
      resolve(code !== 'ENOENT' && code !== 'EACCES')
    })
  })
}
