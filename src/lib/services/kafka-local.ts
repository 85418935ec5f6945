import {spawn, execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, openSync, closeSync} from 'node:fs'
import {chmod, readFile} from 'node:fs/promises'
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
    throw unavailableError(`Maven could not resolve Apache Kafka from ${kafkaPom}: ${output.trim()}`, error, 'check that Maven Central is reachable, or set KAFKA_BROKERS to an existing cluster')
  }
  await chmod(cache, 0o600)
  return (await readFile(cache, 'utf8')).trim()
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return [
    '# Written by `election services up`: a single-node KRaft broker for local runs.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=6',
    // Topics come from `election init-db`; a typo in a topic name should fail, not create one.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
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

async function portOrFree(preferred: number | undefined): Promise<number> {
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

/** Formats storage once, then starts kafka.Kafka as a detached JVM that outlives this process. */
export async function startLocalKafka(
  dir: string,
  previous: {port?: number; controllerPort?: number},
  onStep?: (message: string) => void,
): Promise<LocalKafka> {
  const classpath = await kafkaClasspath(dir, onStep)
  const home = path.join(dir, 'kafka')
  const dataDir = path.join(home, 'data')
  await ensurePrivateDir(home)
  await ensurePrivateDir(dataDir)
  const port = await portOrFree(previous.port)
  const controllerPort = await portOrFree(previous.controllerPort)
  const config = path.join(home, 'server.properties')
  await writePrivateFile(config, serverProperties(dataDir, port, controllerPort))
  const log4j = path.join(home, 'log4j2.properties')
  await writePrivateFile(log4j, LOG4J(path.join(home, 'server.log')))
  const javaArgs = ['-cp', classpath, `-Dlog4j2.configurationFile=${log4j}`]

  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    onStep?.('Formatting Kafka storage (KRaft)')
    const {stdout} = await run(...ownerOnly('java', [...javaArgs, 'kafka.tools.StorageTool', 'random-uuid']))
    const clusterId = stdout.trim().split('\n').pop()!
    await run(...ownerOnly('java', [...javaArgs, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config, '--ignore-formatted']))
  }

  onStep?.(`Starting Apache Kafka broker on 127.0.0.1:${port}`)
  const out = openSync(path.join(home, 'stdout.log'), 'a', 0o600)
  const heap = process.env.ELECTION_KAFKA_HEAP ?? '1g'
  const child = spawn(
    ...ownerOnly('java', [`-Xmx${heap}`, '-Xms256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...javaArgs, 'kafka.Kafka', config]),
    {detached: true, stdio: ['ignore', out, out]},
  )
  closeSync(out)
  child.unref()
  if (!child.pid) throw unavailableError('could not start java for the Kafka broker', undefined, 'check that Java 17+ is on PATH')
  return {pid: child.pid, port, controllerPort, version: await pinnedKafkaVersion()}
}
