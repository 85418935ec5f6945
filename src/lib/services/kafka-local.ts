import {spawn, execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, openSync, closeSync} from 'node:fs'
import {chmod, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {ensurePrivateDir, writePrivateFile} from '../config/state.js'
import {unavailableError} from '../errors.js'
import {kafkaPom} from './paths.js'
import {freePort} from './process.js'

const run = promisify(execFile)

export interface LocalKafka {
  pid: number
  port: number
  controllerPort: number
  version: string
}

export async function pinnedKafkaVersion(): Promise<string> {
  const pom = await readFile(kafkaPom, 'utf8')
  return /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown'
}

/**
 * The broker's classpath, resolved by Maven from kafka/pom.xml once and cached
 * under the state folder, keyed by the pom's hash (jars stay in ~/.m2).
 */
export async function kafkaClasspath(dir: string, onStep?: (message: string) => void): Promise<string> {
  const pom = await readFile(kafkaPom)
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 12)
  const cache = path.join(dir, 'kafka', `classpath-${hash}.txt`)
  if (existsSync(cache)) {
    const classpath = (await readFile(cache, 'utf8')).trim()
    if (classpath.split(path.delimiter).every((jar) => existsSync(jar))) return classpath
  }
  onStep?.('Resolving Apache Kafka jars with Maven (first run downloads ~100 MB into ~/.m2)')
  await ensurePrivateDir(path.dirname(cache))
  try {
    await run('mvn', ['-q', '-B', '-f', kafkaPom, 'dependency:build-classpath', `-Dmdep.outputFile=${cache}`], {
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (error) {
    const output = (error as {stdout?: string}).stdout?.split('\n').find((l) => l.includes('ERROR')) ?? String(error)
    throw unavailableError(
      `Maven could not resolve Apache Kafka from ${kafkaPom}: ${output.trim()}`,
      error,
      'check that Maven Central is reachable, or set KAFKA_BROKERS to an existing cluster',
    )
  }
  await chmod(cache, 0o600)
  return (await readFile(cache, 'utf8')).trim()
}

/** Where one broker keeps its config, logs and data, and the ports it listens on (127.0.0.1 only). */
export interface KafkaNode {
  nodeId: number
  home: string
  dataDir: string
  port: number
  controllerPort: number
}

/**
 * What `services up --secure` adds to a broker: its one client listener speaks SASL_SSL, users
 * log in with SCRAM-SHA-512 (the user is created when the storage is formatted), and brokers
 * talk to each other the same way. The controller listener stays plaintext on 127.0.0.1.
 */
export interface BrokerSecurity {
  keystore: string
  keystorePassword: string
  /** The CA certificate (PEM) the brokers trust when they connect to each other. */
  caFile: string
  username: string
  password: string
}

export const SCRAM_MECHANISM = 'SCRAM-SHA-512'

/** The listener clients use: its name is also its security protocol. */
const clientListener = (security?: BrokerSecurity) => (security ? 'SASL_SSL' : 'PLAINTEXT')

function securityProperties(security: BrokerSecurity): string[] {
  return [
    `sasl.enabled.mechanisms=${SCRAM_MECHANISM}`,
    `sasl.mechanism.inter.broker.protocol=${SCRAM_MECHANISM}`,
    `listener.name.sasl_ssl.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config=` +
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="${security.username}" password="${security.password}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${security.keystore}`,
    `ssl.keystore.password=${security.keystorePassword}`,
    `ssl.key.password=${security.keystorePassword}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${security.caFile}`,
    'ssl.client.auth=none',
  ]
}

/**
 * The broker's config. Every node is broker and controller; `voters` is the static quorum
 * (`1@host:port,2@…`). `replicas` is how many brokers the cluster has: with three, the
 * internal topics are replicated and a write needs two copies, so one broker may die.
 */
export function serverProperties(node: KafkaNode, voters: string, replicas: 1 | 3, security?: BrokerSecurity): string {
  const minIsr = replicas >= 3 ? 2 : 1
  const listener = clientListener(security)
  return [
    replicas === 1
      ? '# Written by `election services up`: a single-node KRaft broker for local runs.'
      : `# Written by \`election services up --brokers ${replicas}\`: node ${node.nodeId} of a local KRaft cluster.`,
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=${listener}://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=${listener}://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER',
    `inter.broker.listener.name=${listener}`,
    `listener.security.protocol.map=${listener}:${listener},CONTROLLER:PLAINTEXT`,
    ...(security ? securityProperties(security) : []),
    `log.dirs=${node.dataDir}`,
    'num.partitions=6',
    // Topics come from `election init-db`; a typo in a topic name should fail, not create one.
    'auto.create.topics.enable=false',
    ...(replicas === 1 ? [] : [`default.replication.factor=${replicas}`, `min.insync.replicas=${minIsr}`]),
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=10',
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.backoff.ms=1000',
    '',
  ].join('\n')
}

const LOG4J = (logFile: string) =>
  [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = warn',
    'rootLogger.appenderRef.file.ref = file',
    'logger.server.name = kafka.server.KafkaRaftServer',
    'logger.server.level = info',
    '',
  ].join('\n')

export async function portOrFree(preferred: number | undefined): Promise<number> {
  if (preferred) {
    const {createServer} = await import('node:net')
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false))
      server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return preferred
  }
  return freePort()
}

/**
 * The command run through `sh` with umask 077, so every file it creates (segments, logs,
 * checkpoints of topics created later) is its owner's only. `exec` keeps the pid ours to stop.
 */
const ownerOnly = (command: string, args: string[]): [string, string[]] => ['sh', ['-c', 'umask 077 && exec "$0" "$@"', command, ...args]]

/** The JVM arguments shared by the storage tool and the broker: classpath and logging. */
export async function javaArgsFor(node: KafkaNode, classpath: string): Promise<string[]> {
  const log4j = path.join(node.home, 'log4j2.properties')
  await writePrivateFile(log4j, LOG4J(path.join(node.home, 'server.log')))
  return ['-cp', classpath, `-Dlog4j2.configurationFile=${log4j}`]
}

export async function newClusterId(javaArgs: string[]): Promise<string> {
  const {stdout} = await run(...ownerOnly('java', [...javaArgs, 'kafka.tools.StorageTool', 'random-uuid']))
  return stdout.trim().split('\n').pop()!
}

/**
 * Formats a node's storage with the cluster's id; a formatted node is left as it is. With
 * `security`, the SCRAM user is written into the new cluster's first metadata, so it exists
 * before any broker listens. Its password goes through a Java argument file (0600, removed at
 * once), never argv, which other users of the machine can read.
 */
export async function formatStorage(
  javaArgs: string[],
  config: string,
  clusterId: string,
  security?: Pick<BrokerSecurity, 'username' | 'password'>,
): Promise<void> {
  const tool = ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, '--ignore-formatted']
  if (!security) {
    await run(...ownerOnly('java', [...javaArgs, ...tool]))
    return
  }
  const argFile = path.join(path.dirname(config), 'format.args')
  const scram = `${SCRAM_MECHANISM}=[name=${security.username},password=${security.password}]`
  await writePrivateFile(argFile, [...tool, '--add-scram', scram].map((a) => `"${a}"`).join('\n') + '\n')
  try {
    await run(...ownerOnly('java', [...javaArgs, `@${argFile}`]))
  } finally {
    await rm(argFile, {force: true})
  }
}

export const isFormatted = (node: KafkaNode) => existsSync(path.join(node.dataDir, 'meta.properties'))

/** Starts kafka.Kafka as a detached JVM that outlives this process; its output goes to the node's stdout.log. */
export function spawnBroker(javaArgs: string[], config: string, node: KafkaNode, heap: string): number {
  const out = openSync(path.join(node.home, 'stdout.log'), 'a', 0o600)
  const child = spawn(
    ...ownerOnly('java', [
      `-Xmx${heap}`,
      '-Xms256m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      ...javaArgs,
      'kafka.Kafka',
      config,
    ]),
    {detached: true, stdio: ['ignore', out, out]},
  )
  closeSync(out)
  child.unref()
  if (!child.pid) throw unavailableError('could not start java for the Kafka broker', undefined, 'check that Java 17+ is on PATH')
  return child.pid
}

/** Formats storage once, then starts the single local broker (node 1, its own one-voter quorum). */
export async function startLocalKafka(
  dir: string,
  previous: {port?: number; controllerPort?: number},
  onStep?: (message: string) => void,
  security?: BrokerSecurity,
): Promise<LocalKafka> {
  const classpath = await kafkaClasspath(dir, onStep)
  const home = path.join(dir, 'kafka')
  const node: KafkaNode = {nodeId: 1, home, dataDir: path.join(home, 'data'), port: 0, controllerPort: 0}
  await ensurePrivateDir(home)
  await ensurePrivateDir(node.dataDir)
  node.port = await portOrFree(previous.port)
  node.controllerPort = await portOrFree(previous.controllerPort)
  const config = path.join(home, 'server.properties')
  await writePrivateFile(config, serverProperties(node, `1@127.0.0.1:${node.controllerPort}`, 1, security))
  const javaArgs = await javaArgsFor(node, classpath)

  if (!isFormatted(node)) {
    onStep?.('Formatting Kafka storage (KRaft)')
    await formatStorage(javaArgs, config, await newClusterId(javaArgs), security)
  }

  onStep?.(`Starting Apache Kafka broker on 127.0.0.1:${node.port}`)
  const pid = spawnBroker(javaArgs, config, node, process.env.ELECTION_KAFKA_HEAP ?? '1g')
  return {pid, port: node.port, controllerPort: node.controllerPort, version: await pinnedKafkaVersion()}
}
