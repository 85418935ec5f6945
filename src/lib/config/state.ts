import {chmod, chown, lstat, mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
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

/** One broker of a local multi-broker cluster (`services up --brokers 3`). */
export interface KafkaNodeRecord {
  nodeId: number
  port: number
  controllerPort: number
  pid?: number
}

/**
 * How clients reach a local Kafka started with `services up --secure`: SASL_SSL with this SCRAM
 * user, trusting this CA. The password lives in its own 0600 file, read into `password` by
 * readState; services.json never holds it.
 */
export interface KafkaSecurityRecord {
  protocol: 'SASL_SSL'
  mechanism: 'scram-sha-512'
  username: string
  caFile: string
  password?: string
}

export interface ServicesState {
  /** `nodes` only for a local multi-broker cluster; a single local broker keeps its pid and ports here. */
  kafka?: ServiceRecord & {controllerPort?: number; nodes?: KafkaNodeRecord[]; security?: KafkaSecurityRecord}
  /** `tls`: started with TLS on and plaintext TCP clients refused (`services up --secure`). */
  postgres?: ServiceRecord & {port?: number; dataDir?: string; tls?: boolean}
}

/** `ELECTION_HOME` moves the state folder; by default it is `.election/` in the working directory. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ELECTION_HOME ?? path.join(process.cwd(), '.election'))
}

const stateFile = (dir: string) => path.join(dir, 'services.json')

/** The generated password of the local Postgres superuser: the one secret of the state folder, in a file of its own. */
export const postgresPasswordFile = (dir: string) => path.join(dir, 'postgres-password')

/** The SCRAM password of the local secured Kafka's user (`services up --secure`), in a file of its own like Postgres'. */
export const kafkaPasswordFile = (dir: string) => path.join(dir, 'kafka-password')

/** The same connection URL with another password ('' for none). */
export function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.password = password
  return parsed.toString()
}

async function readSecret(file: string): Promise<string | undefined> {
  const secret = await readFile(file, 'utf8').catch(() => '')
  return secret.trim() || undefined
}

export const readPostgresPassword = (dir: string) => readSecret(postgresPasswordFile(dir))
export const readKafkaPassword = (dir: string) => readSecret(kafkaPasswordFile(dir))

/**
 * The recorded state, with the local Postgres password put into its address, so every
 * command connects with nothing configured. services.json itself never holds the password.
 */
export async function readState(dir = stateDir()): Promise<ServicesState> {
  let state: ServicesState
  try {
    state = JSON.parse(await readFile(stateFile(dir), 'utf8')) as ServicesState
  } catch {
    return {}
  }
  const password = state.postgres?.source === 'local' ? await readPostgresPassword(dir) : undefined
  if (password) state.postgres!.address = withPassword(state.postgres!.address, password)
  if (state.kafka?.security) state.kafka.security.password = await readKafkaPassword(dir)
  return state
}

export async function writeState(state: ServicesState, dir = stateDir()): Promise<void> {
  await ensurePrivateDir(dir)
  const postgres =
    state.postgres?.source === 'local' ? {...state.postgres, address: withPassword(state.postgres.address, '')} : state.postgres
  const kafka = state.kafka?.security ? {...state.kafka, security: {...state.kafka.security, password: undefined}} : state.kafka
  await writePrivateFile(stateFile(dir), JSON.stringify({...state, kafka, postgres}, null, 2) + '\n')
}

/** The state folder holds voters' data and a password: only its owner may enter it (also when it already exists). */
export async function ensurePrivateDir(dir: string, owner?: {uid: number; gid: number}): Promise<void> {
  await mkdir(dir, {recursive: true, mode: 0o700})
  if (owner) await chown(dir, owner.uid, owner.gid)
  await chmod(dir, 0o700)
}

/**
 * Writes a file readable by its owner only, atomically: created 0600 under a temporary
 * name (optionally given to `owner`), then renamed over the old one, so no reader ever
 * sees it half-written or with wider permissions.
 */
export async function writePrivateFile(file: string, content: string, owner?: {uid: number; gid: number}): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await writeFile(tmp, content, {mode: 0o600})
    if (owner) await chown(tmp, owner.uid, owner.gid)
    await rename(tmp, file)
  } finally {
    await rm(tmp, {force: true})
  }
}

/**
 * Takes group and other permissions off everything below `dir`: state folders written by
 * earlier versions (0755 folders, 0644 files) and files that tools we run create with
 * their own umask. Symbolic links are left alone (chmod would follow them).
 */
export async function lockDownTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true}).catch(() => [])) {
    const full = path.join(entry.parentPath, entry.name)
    const mode = await lstat(full).then(
      (s) => (s.isSymbolicLink() ? 0 : s.mode & 0o777),
      () => 0,
    )
    if (mode & 0o077) await chmod(full, mode & 0o700).catch(() => {})
  }
}
