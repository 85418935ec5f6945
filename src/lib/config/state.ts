import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * What `election services up` started, kept in the state folder so every later
 * command finds the local services and `down` stops only what `up` started.
 */
export interface ServiceRecord {
  source: 'env' | 'docker' | 'local'
  address: string
  pid?: number
  version?: string
  startedAt?: string
}

export interface ServicesState {
  kafka?: ServiceRecord & {controllerPort?: number}
  postgres?: ServiceRecord & {port?: number; dataDir?: string}
}

/** `ELECTION_HOME` moves the state folder; by default it is `.election/` in the working directory. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ELECTION_HOME ?? path.join(process.cwd(), '.election'))
}

const stateFile = (dir: string) => path.join(dir, 'services.json')

export async function readState(dir = stateDir()): Promise<ServicesState> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as ServicesState
  } catch {
    return {}
  }
}

export async function writeState(state: ServicesState, dir = stateDir()): Promise<void> {
  await mkdir(dir, {recursive: true})
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n')
  await rename(tmp, stateFile(dir))
}
