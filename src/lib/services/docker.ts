import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {composeFile} from './paths.js'

const run = promisify(execFile)

/** True only when a Docker engine answers; the client alone is not enough. */
export async function dockerEngineRunning(): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], {timeout: 10_000})
    return true
  } catch {
    return false
  }
}

export async function composeUpKafka(): Promise<void> {
  await run('docker', ['compose', '-f', composeFile, 'up', '-d', 'kafka'], {timeout: 10 * 60_000})
}

export async function composeStopKafka(): Promise<void> {
  await run('docker', ['compose', '-f', composeFile, 'stop', 'kafka'], {timeout: 120_000})
}
