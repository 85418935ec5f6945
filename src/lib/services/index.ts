import {DEFAULT_BROKERS, type KafkaSettings, type PostgresSettings, resolveSettings, type ConnectionFlags} from '../config/settings.js'
import {redactUrl} from '../config/redact.js'
import {ensurePrivateDir, lockDownTree, readState, stateDir, writeState, type KafkaNodeRecord, type ServicesState} from '../config/state.js'
import {configError, unavailableError} from '../errors.js'
import {composeStopKafka, composeUpKafka, dockerEngineRunning} from './docker.js'
import {CLUSTER_SIZE, kafkaLayout, refuseLayoutChange, startLocalCluster} from './kafka-cluster.js'
import {pinnedKafkaVersion, startLocalKafka} from './kafka-local.js'
import {prepareBrokerSecurity, secureLocalKafka} from './kafka-security.js'
import {homeOf} from './postgres-home.js'
import {startLocalPostgres, stopLocalPostgres} from './postgres-local.js'
import {purge, purgeTargets} from './purge.js'
import {commandExists, isAlive, stopPid} from './process.js'
import {probeEveryBroker, probeKafka, probePostgres, waitUntilHealthy, type ClusterProbeResult, type ProbeResult} from './probe.js'

export interface ServiceStatus {
  service: 'kafka' | 'postgres'
  address: string
  source: 'env' | 'docker' | 'local' | 'none'
  pid: number | null
  healthy: boolean
  version: string | null
  /** How clients reach it: `SASL_SSL (SCRAM-SHA-512, user election)`, `TLS (verify-full)`, `plaintext`. */
  security: string
  error?: string
  /** Each broker of a local multi-broker cluster: its process, and whether it answers. */
  nodes?: NodeStatus[]
}

export interface NodeStatus {
  nodeId: number
  address: string
  pid: number | null
  /** Answers on its own address and sees the whole cluster. */
  healthy: boolean
  error?: string
}

export interface UpOptions {
  flags?: ConnectionFlags
  env?: NodeJS.ProcessEnv
  onStep?: (message: string) => void
  /** How many local brokers `up` runs (1 or 3); by default what the state folder already has, else 1. */
  localBrokers?: number
  /**
   * Run the local services secured (`up --secure`): Kafka with a SASL_SSL listener (SCRAM-SHA-512),
   * Postgres with TLS only. A state folder made secure stays secure.
   */
  secure?: boolean
}

const KAFKA_START_TIMEOUT = 120_000
const POSTGRES_START_TIMEOUT = 60_000

export const NO_BROKER_MESSAGE =
  'no Kafka broker available: KAFKA_BROKERS is not set, no Docker engine is running, and Java 17 with Maven (mvn) is not on PATH'
export const NO_BROKER_SUGGESTIONS = [
  'set KAFKA_BROKERS=host:9092 to use an existing cluster',
  'start Docker and run `election services up` again (it uses docker-compose.yml)',
  'install Java 17+ and Maven so `election services up` can run Apache Kafka from its jars',
]

const settingsFor = (options: UpOptions, state: ServicesState) => resolveSettings(options.flags ?? {}, options.env ?? process.env, state)

async function upPostgres(settings: PostgresSettings, state: ServicesState, dir: string, secure: boolean, onStep?: (m: string) => void) {
  if (settings.source === 'env' || settings.source === 'flag') {
    onStep?.(`Checking Postgres at ${redactUrl(settings.url)}`)
    const probe = await probePostgres(settings, 10_000)
    if (!probe.healthy)
      throw unavailableError(
        `Postgres at ${redactUrl(settings.url)} does not answer: ${probe.error}`,
        undefined,
        'check DATABASE_URL, or unset it to let `election services up` start a local Postgres',
      )
    // Nothing recorded: the state file keeps only what `up` started, so `down` can still stop it later.
    return
  }
  // Always through startLocalPostgres, even when it runs: it adopts the server, and locks down one an earlier version left open.
  const previous = state.postgres?.source === 'local' ? state.postgres : undefined
  const started = await startLocalPostgres(dir, previous, onStep, secure)
  const startedAt = started.adopted && previous?.startedAt ? previous.startedAt : new Date().toISOString()
  state.postgres = {
    source: 'local',
    address: started.url,
    pid: started.pid,
    port: started.port,
    dataDir: started.dataDir,
    version: started.version,
    startedAt,
    tls: started.tls,
  }
}

async function upKafka(settings: KafkaSettings, state: ServicesState, dir: string, options: UpOptions, secure: boolean) {
  const onStep = options.onStep
  if (settings.source === 'env' || settings.source === 'flag') {
    if (options.localBrokers)
      throw configError(
        `--brokers ${options.localBrokers} starts local brokers, but Kafka is set to ${settings.brokers.join(',')}`,
        'unset KAFKA_BROKERS to run local brokers',
      )
    if (options.secure)
      throw configError(
        `--secure starts a secured local Kafka, but Kafka is set to ${settings.brokers.join(',')}`,
        'unset KAFKA_BROKERS to run a local broker, or configure KAFKA_SASL_* and KAFKA_SSL_CA_FILE for that cluster',
      )
    onStep?.(`Checking Kafka at ${settings.brokers.join(',')}`)
    const probe = await probeKafka(settings, 15_000)
    if (!probe.healthy)
      throw unavailableError(
        `Kafka at ${settings.brokers.join(',')} does not answer: ${probe.error}`,
        undefined,
        'check KAFKA_BROKERS (and the SASL/TLS settings), or unset it to let `election services up` start a local broker',
      )
    return
  }
  const brokerCount = options.localBrokers ?? (kafkaLayout(dir) === 'cluster' ? CLUSTER_SIZE : 1)
  refuseLayoutChange(dir, brokerCount)
  if (brokerCount === CLUSTER_SIZE) return upLocalCluster(state, dir, secure, onStep)
  const previous = state.kafka
  if (previous && previous.source !== 'env' && (previous.source === 'docker' || isAlive(previous.pid))) {
    const probe = await probeKafka(settings, 5000)
    if (probe.healthy) return onStep?.(`Kafka already running (${previous.source}${previous.pid ? `, pid ${previous.pid}` : ''})`)
  }
  // docker-compose.yml runs a plaintext broker: a secured one always runs from the jars.
  if (!secure && (await dockerEngineRunning())) {
    onStep?.('Starting Kafka with docker compose')
    await composeUpKafka()
    state.kafka = {source: 'docker', address: DEFAULT_BROKERS, startedAt: new Date().toISOString()}
    return
  }
  await requireJavaAndMaven()
  const local = previous?.source === 'local' ? previous : undefined
  const security = secure ? await prepareBrokerSecurity(dir) : undefined
  const started = await startLocalKafka(
    dir,
    {port: local ? Number(local.address.split(':').pop()) : undefined, controllerPort: local?.controllerPort},
    onStep,
    security?.broker,
  )
  state.kafka = {
    source: 'local',
    address: `127.0.0.1:${started.port}`,
    pid: started.pid,
    controllerPort: started.controllerPort,
    version: started.version,
    startedAt: new Date().toISOString(),
    ...(security ? {security: security.record} : {}),
  }
}

async function requireJavaAndMaven() {
  if (!(await commandExists('java', ['-version'])) || !(await commandExists('mvn', ['-v']))) {
    throw configError(NO_BROKER_MESSAGE, ...NO_BROKER_SUGGESTIONS)
  }
}

/**
 * The three-broker cluster always runs from the jars (docker-compose.yml has one broker).
 * Nodes still running are kept; a node that died is started again with its ports and data.
 */
async function upLocalCluster(state: ServicesState, dir: string, secure: boolean, onStep?: (m: string) => void) {
  const previous = state.kafka?.source === 'local' ? (state.kafka.nodes ?? []) : []
  if (previous.length === CLUSTER_SIZE && previous.every((n) => isAlive(n.pid))) {
    return onStep?.(`Kafka cluster already running (pids ${previous.map((n) => n.pid).join(', ')})`)
  }
  await requireJavaAndMaven()
  const security = secure ? await prepareBrokerSecurity(dir) : undefined
  const nodes = await startLocalCluster(dir, previous, onStep, security?.broker)
  const address = nodes.map((n) => `127.0.0.1:${n.port}`).join(',')
  state.kafka = {
    source: 'local',
    address,
    nodes,
    version: await pinnedKafkaVersion(),
    startedAt: new Date().toISOString(),
    ...(security ? {security: security.record} : {}),
  }
}

/** A local cluster is healthy when every node answers; any other Kafka when the cluster does. */
const probeLocalKafka = (settings: KafkaSettings, state: ServicesState): Promise<ProbeResult | ClusterProbeResult> =>
  settings.source === 'local' && state.kafka?.nodes ? probeEveryBroker(settings, 5000) : probeKafka(settings, 5000)

const kafkaLogs = (dir: string, state: ServicesState) => (state.kafka?.nodes ? `${dir}/kafka/node-*/server.log` : `${dir}/kafka/server.log`)

/**
 * Makes both services answer: reuses what the environment names or what a previous
 * `up` started, otherwise starts them, then waits (bounded) until both are healthy.
 */
export async function servicesUp(options: UpOptions = {}): Promise<ServiceStatus[]> {
  const dir = stateDir(options.env)
  const state = await readState(dir)
  const before = settingsFor(options, state)
  try {
    await ensurePrivateDir(dir)
    // Decided (and refused, when it cannot be) before anything starts.
    const secure =
      before.kafka.source === 'env' || before.kafka.source === 'flag'
        ? Boolean(options.secure)
        : secureLocalKafka(dir, Boolean(options.secure))
    await upPostgres(before.postgres, state, dir, secure, options.onStep)
    await upKafka(before.kafka, state, dir, options, secure)
  } finally {
    await writeState(state, dir)
    // What earlier versions (or tools with their own umask, such as Maven) left open to others.
    await lockDownTree(dir)
  }
  const after = settingsFor(options, state)
  options.onStep?.('Waiting for Kafka and Postgres to answer')
  const [kafka, postgres] = await Promise.all([
    waitUntilHealthy(() => probeLocalKafka(after.kafka, state), KAFKA_START_TIMEOUT),
    waitUntilHealthy(() => probePostgres(after.postgres, 5000), POSTGRES_START_TIMEOUT),
  ])
  const postgresLog = state.postgres?.dataDir ? homeOf(state.postgres.dataDir).logFile : 'the Postgres server log'
  if (!postgres.healthy)
    throw unavailableError(
      `Postgres at ${redactUrl(after.postgres.url)} did not become healthy: ${postgres.error}`,
      undefined,
      `see ${postgresLog}`,
    )
  if (!kafka.healthy)
    throw unavailableError(
      `Kafka at ${after.kafka.brokers.join(',')} did not become healthy within ${KAFKA_START_TIMEOUT / 1000} s: ${kafka.error}`,
      undefined,
      `see ${kafkaLogs(dir, state)}`,
    )
  return servicesStatus(options)
}

/** Stops only what `up` started (by recorded pid or compose); services from the environment are left alone. */
export async function servicesDown(options: UpOptions & {purge?: boolean} = {}): Promise<{stopped: string[]; purged?: string[]}> {
  const dir = stateDir(options.env)
  const state = await readState(dir)
  const started = structuredClone(state) // with the pids, which the stop below forgets
  const stopped: string[] = []
  const runningNodes = (state.kafka?.source === 'local' ? (state.kafka.nodes ?? []) : []).filter((n) => isAlive(n.pid))
  if (runningNodes.length > 0) {
    options.onStep?.(`Stopping Kafka (pids ${runningNodes.map((n) => n.pid).join(', ')})`)
    // All at once: stopped one by one, the last nodes would wait for a quorum that is gone.
    await Promise.all(runningNodes.map((n) => stopPid(n.pid!, 30_000)))
    stopped.push('kafka')
  } else if (state.kafka?.source === 'local' && state.kafka.pid && isAlive(state.kafka.pid)) {
    options.onStep?.(`Stopping Kafka (pid ${state.kafka.pid})`)
    await stopPid(state.kafka.pid, 30_000)
    stopped.push('kafka')
  } else if (state.kafka?.source === 'docker') {
    options.onStep?.('Stopping Kafka (docker compose)')
    await composeStopKafka().catch(() => {})
    stopped.push('kafka')
  }
  if (state.postgres?.source === 'local' && state.postgres.dataDir) {
    if (isAlive(state.postgres.pid)) options.onStep?.(`Stopping Postgres (pid ${state.postgres.pid})`)
    if (await stopLocalPostgres(state.postgres.dataDir)) stopped.push('postgres')
  }
  // Keep ports and data paths so the next `up` reuses them; only the processes are gone.
  if (state.kafka && state.kafka.source !== 'docker') delete state.kafka.pid
  for (const node of state.kafka?.nodes ?? []) delete node.pid
  if (state.postgres) delete state.postgres.pid
  await writeState(state, dir)
  if (!options.purge) return {stopped}
  const purged = await purgeTargets(dir, started)
  options.onStep?.(purged.length > 0 ? `Deleting ${purged.join(', ')}` : 'Nothing to delete.')
  await purge(started, purged)
  if (started.kafka?.source === 'docker') options.onStep?.('Kafka ran in Docker: its volume is kept (docker compose down -v deletes it).')
  return {stopped, purged}
}

export async function servicesStatus(options: UpOptions = {}): Promise<ServiceStatus[]> {
  const state = await readState(stateDir(options.env))
  const settings = settingsFor(options, state)
  const [kafka, postgres] = await Promise.all([probeLocalKafka(settings.kafka, state), probePostgres(settings.postgres, 5000)])
  const sourceOf = (s: string, record?: {source: string}): ServiceStatus['source'] =>
    s === 'env' || s === 'flag' ? 'env' : ((record?.source as ServiceStatus['source']) ?? 'none')
  return [
    {
      service: 'kafka',
      address: settings.kafka.brokers.join(','),
      source: sourceOf(settings.kafka.source, state.kafka),
      pid: state.kafka?.source === 'local' && isAlive(state.kafka.pid) ? state.kafka.pid! : null,
      healthy: kafka.healthy,
      version: state.kafka?.version ?? null,
      security: kafkaSecurity(settings.kafka),
      ...(kafka.error ? {error: kafka.error} : {}),
      ...(settings.kafka.source === 'local' && state.kafka?.nodes
        ? {nodes: nodeStatuses(state.kafka.nodes, 'brokers' in kafka ? kafka.brokers : [])}
        : {}),
    },
    {
      service: 'postgres',
      address: redactUrl(settings.postgres.url),
      source: sourceOf(settings.postgres.source, state.postgres),
      pid: state.postgres?.source === 'local' && isAlive(state.postgres.pid) ? state.postgres.pid! : null,
      healthy: postgres.healthy,
      version: postgres.version ?? state.postgres?.version ?? null,
      security: settings.postgres.sslmode === 'disable' ? 'plaintext' : `TLS (${settings.postgres.sslmode})`,
      ...(postgres.error ? {error: postgres.error} : {}),
    },
  ]
}

/** What a client of these settings speaks: the protocol Kafka calls it, then the mechanism and user. */
function kafkaSecurity(settings: KafkaSettings): string {
  if (settings.sasl) return `SASL_SSL (${settings.sasl.mechanism.toUpperCase()}, user ${settings.sasl.username})`
  return settings.ssl ? 'SSL' : 'plaintext'
}

/** `probes` are in the nodes' order (the bootstrap list is built from them). */
function nodeStatuses(nodes: KafkaNodeRecord[], probes: ProbeResult[]): NodeStatus[] {
  return nodes.map((n, i) => ({
    nodeId: n.nodeId,
    address: `127.0.0.1:${n.port}`,
    pid: isAlive(n.pid) ? n.pid! : null,
    healthy: probes[i]?.healthy ?? false,
    ...(probes[i]?.error ? {error: probes[i].error} : {}),
  }))
}
