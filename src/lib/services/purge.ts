import {existsSync} from 'node:fs'
import {readdir, rm} from 'node:fs/promises'
import {userInfo} from 'node:os'
import path from 'node:path'

import {kafkaPasswordFile, postgresPasswordFile, type ServicesState} from '../config/state.js'
import {unavailableError} from '../errors.js'
import {homeOf, sharedHomeDir} from './postgres-home.js'
import {isAlive} from './process.js'
import {tlsDir} from './tls.js'

/**
 * What `services down --purge` deletes for a state folder: everything its local services stored, so
 * that the next `up` starts as in a fresh checkout. Kafka's data and logs (one broker or a cluster's
 * nodes), Postgres' cluster wherever it lives (as root under /var/lib/election/, which deleting the
 * checkout would leave behind), the generated passwords and certificates, and the record of ports.
 * Kept: the Kafka classpath file (a list of jars in Maven's own cache, slow to resolve again).
 * Never touched: a cluster named by KAFKA_BROKERS or DATABASE_URL, and Docker's volumes.
 */
export async function purgeTargets(dir: string, state: ServicesState): Promise<string[]> {
  const kafkaDir = path.join(dir, 'kafka')
  const kafkaFiles = existsSync(kafkaDir) ? (await readdir(kafkaDir)).filter((f) => !/^classpath-.*\.txt$/.test(f)) : []
  // Only root's services keep a home under /var/lib/election (see postgresHome); another user could not delete it anyway.
  const postgresHomes = [path.join(dir, 'postgres'), ...(userInfo().uid === 0 ? [sharedHomeDir(dir)] : [])]
  if (state.postgres?.source === 'local' && state.postgres.dataDir) postgresHomes.unshift(homeOf(state.postgres.dataDir).dir)
  const candidates = [
    ...kafkaFiles.map((f) => path.join(kafkaDir, f)),
    ...postgresHomes,
    tlsDir(dir),
    postgresPasswordFile(dir),
    kafkaPasswordFile(dir),
    path.join(dir, 'services.json'),
  ]
  return [...new Set(candidates)].filter((p) => existsSync(p))
}

/** Deletes the targets once no process `up` started is alive: a running server's files are never pulled from under it. */
export async function purge(state: ServicesState, targets: string[]): Promise<void> {
  const pids = [state.kafka?.pid, ...(state.kafka?.nodes ?? []).map((n) => n.pid), state.postgres?.pid].filter(isAlive)
  if (pids.length > 0) {
    throw unavailableError(
      `not purging: the services did not stop (pids ${pids.join(', ')} still running); nothing was deleted`,
      undefined,
      'run election services down again, then election services down --purge',
    )
  }
  for (const target of targets) {
    try {
      await rm(target, {recursive: true, force: true})
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
      throw unavailableError(`could not delete ${target} (${reason})`, error, `delete it by hand: rm -rf '${target}'`)
    }
  }
}
