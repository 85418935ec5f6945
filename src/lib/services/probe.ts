import pg from 'pg'

import {postgresPoolConfig, type KafkaSettings, type PostgresSettings} from '../config/settings.js'
import {describeCause} from '../errors.js'
import {createKafka} from '../kafka/client.js'

export interface ProbeResult {
  healthy: boolean
  version?: string
  error?: string
  /** Kafka only: the node ids of the brokers the cluster lists. */
  brokerIds?: number[]
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * One round trip to the cluster: metadata plus the controller's id. With `expectBrokers`, healthy
 * only once that many brokers are listed (a local cluster whose nodes are still joining is not ready).
 */
export async function probeKafka(settings: KafkaSettings, timeoutMs = 5000, expectBrokers = 1): Promise<ProbeResult> {
  const admin = createKafka(settings, {connectionTimeout: Math.min(timeoutMs, 3000), retries: 0}).admin()
  try {
    const {brokers} = await withTimeout(
      (async () => {
        await admin.connect()
        return admin.describeCluster()
      })(),
      timeoutMs,
      `Kafka at ${settings.brokers.join(',')}`,
    )
    const brokerIds = brokers.map((b) => b.nodeId).sort((a, b) => a - b)
    if (brokerIds.length < expectBrokers) return {healthy: false, brokerIds, error: `${brokerIds.length} of ${expectBrokers} brokers are up (node ids ${brokerIds.join(', ') || 'none'})`}
    return {healthy: true, brokerIds}
  } catch (error) {
    return {healthy: false, error: describeCause(error)}
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

export async function probePostgres(settings: PostgresSettings, timeoutMs = 5000): Promise<ProbeResult> {
  const client = new pg.Client({...postgresPoolConfig(settings), connectionTimeoutMillis: timeoutMs})
  try {
    await client.connect()
    const {rows} = await client.query<{server_version: string}>('SHOW server_version')
    return {healthy: true, version: rows[0]?.server_version}
  } catch (error) {
    return {healthy: false, error: describeCause(error)}
  } finally {
    await client.end().catch(() => {})
  }
}

/** Polls a probe until it answers or the deadline passes. */
export async function waitUntilHealthy(probe: () => Promise<ProbeResult>, deadlineMs: number, intervalMs = 500): Promise<ProbeResult> {
  const until = Date.now() + deadlineMs
  let last: ProbeResult = {healthy: false, error: 'not tried'}
  while (Date.now() < until) {
    last = await probe()
    if (last.healthy) return last
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  return last
}
