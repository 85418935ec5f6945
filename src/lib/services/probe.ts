import pg from 'pg'

import {postgresPoolConfig, type KafkaSettings, type PostgresSettings} from '../config/settings.js'
import {describeCause} from '../errors.js'
import {createKafka} from '../kafka/client.js'

export interface ProbeResult {
  healthy: boolean
  version?: string
  error?: string
}

export interface ClusterProbeResult extends ProbeResult {
  /** One result per bootstrap address, in their order. */
  brokers: ProbeResult[]
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
    if (brokers.length < expectBrokers) return {healthy: false, error: `the cluster lists ${brokers.length} of ${expectBrokers} brokers`}
    return {healthy: true}
  } catch (error) {
    return {healthy: false, error: describeCause(error)}
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

/**
 * One broker alone: connects to its address (the API versions handshake), and nothing else, since
 * any further request may be sent to another broker of the cluster.
 */
async function probeBroker(settings: KafkaSettings, address: string, timeoutMs: number): Promise<ProbeResult> {
  const admin = createKafka({...settings, brokers: [address]}, {connectionTimeout: Math.min(timeoutMs, 3000), retries: 0}).admin()
  try {
    await withTimeout(admin.connect(), timeoutMs, `Kafka at ${address}`)
    return {healthy: true}
  } catch (error) {
    return {healthy: false, error: describeCause(error)}
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

/**
 * The cluster lists every broker, and each answers on its own address. A node killed a moment
 * ago is still listed by the others until its session expires, so asking the cluster alone would
 * call a restart healthy before the new process answers.
 */
export async function probeEveryBroker(settings: KafkaSettings, timeoutMs = 5000): Promise<ClusterProbeResult> {
  const [cluster, ...brokers] = await Promise.all([
    probeKafka(settings, timeoutMs, settings.brokers.length),
    ...settings.brokers.map((address) => probeBroker(settings, address, timeoutMs)),
  ])
  const failing = brokers.map((b, i) => (b.healthy ? '' : `${settings.brokers[i]}: ${b.error}`)).filter(Boolean)
  if (failing.length === 0 && cluster.healthy) return {healthy: true, brokers}
  return {healthy: false, brokers, error: failing.length ? failing.join('; ') : cluster.error}
}

export async function probePostgres(settings: PostgresSettings, timeoutMs = 5000): Promise<ProbeResult> {
  let client: pg.Client | undefined
  try {
    // Inside the try: a configuration it cannot build (an unreadable CA file, say) is an unhealthy answer too.
    client = new pg.Client({...postgresPoolConfig(settings), connectionTimeoutMillis: timeoutMs})
    await client.connect()
    const {rows} = await client.query<{server_version: string}>('SHOW server_version')
    return {healthy: true, version: rows[0]?.server_version}
  } catch (error) {
    return {healthy: false, error: describeCause(error)}
  } finally {
    await client?.end().catch(() => {})
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
