import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {KafkaNodeRecord} from '../config/state.js'
import {ensurePrivateDir, writePrivateFile} from '../config/state.js'
import {configError} from '../errors.js'
import {
  type BrokerSecurity,
  formatStorage,
  isFormatted,
  javaArgsFor,
  kafkaClasspath,
  newClusterId,
  portOrFree,
  serverProperties,
  spawnBroker,
  type KafkaNode,
} from './kafka-local.js'
import {isAlive} from './process.js'

/** The local cluster `services up --brokers 3` runs: three voters, so one may die and the quorum stands. */
export const CLUSTER_SIZE = 3
/** Three JVMs on a laptop: half the single broker's default heap each (ELECTION_KAFKA_HEAP overrides). */
export const CLUSTER_DEFAULT_HEAP = '512m'

export type KafkaLayout = 'none' | 'single' | 'cluster'

const nodeHome = (dir: string, nodeId: number) => path.join(dir, 'kafka', `node-${nodeId}`)

/** What the state folder's kafka/ holds on disk: one broker's data (kafka/data) or a cluster's (kafka/node-N). */
export function kafkaLayout(dir: string): KafkaLayout {
  if (existsSync(path.join(dir, 'kafka', 'data'))) return 'single'
  if (existsSync(nodeHome(dir, 1))) return 'cluster'
  return 'none'
}

/**
 * A state folder keeps the broker count it was made with: a single broker's data cannot join a
 * cluster, and a cluster's replicated topics cannot live on one broker. Say so instead of guessing.
 */
export function refuseLayoutChange(dir: string, requested: number): void {
  const layout = kafkaLayout(dir)
  const existing = layout === 'single' ? 1 : layout === 'cluster' ? CLUSTER_SIZE : requested
  if (existing === requested) return
  throw configError(
    `${dir} holds a ${existing}-broker local Kafka, not ${requested}: ` +
      `run \`election services down\` and remove ${path.join(dir, 'kafka')} (its topics go with it) to switch`,
    `run \`election services up --brokers ${existing}\` to keep it`,
  )
}

/** The cluster id shared by every node: read back from a formatted node, so a node formatted later joins the same cluster. */
async function existingClusterId(nodes: KafkaNode[]): Promise<string | undefined> {
  for (const node of nodes.filter(isFormatted)) {
    const meta = await readFile(path.join(node.dataDir, 'meta.properties'), 'utf8')
    const id = /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim()
    if (id) return id
  }
  return undefined
}

/** Ports for every node: the recorded ones when still free, otherwise new ones, never two alike. */
async function placeNodes(dir: string, previous: KafkaNodeRecord[]): Promise<KafkaNode[]> {
  const taken = new Set<number>()
  const pick = async (preferred: number | undefined) => {
    let port = await portOrFree(preferred)
    while (taken.has(port)) port = await portOrFree(undefined)
    taken.add(port)
    return port
  }
  const nodes: KafkaNode[] = []
  for (let nodeId = 1; nodeId <= CLUSTER_SIZE; nodeId++) {
    const record = previous.find((n) => n.nodeId === nodeId)
    const running = record && isAlive(record.pid)
    // A running node keeps its ports whatever a probe says (it holds them itself).
    const port = running ? record.port : await pick(record?.port)
    const controllerPort = running ? record.controllerPort : await pick(record?.controllerPort)
    taken.add(port).add(controllerPort)
    nodes.push({nodeId, home: nodeHome(dir, nodeId), dataDir: path.join(nodeHome(dir, nodeId), 'data'), port, controllerPort})
  }
  return nodes
}

/**
 * Starts the nodes of the local three-broker KRaft cluster that are not running (all of them the
 * first time, the one that died later), each a JVM with its own node id, ports, data and log under
 * kafka/node-N. The quorum is static (controller.quorum.voters names all three), so each node is
 * formatted once with the same cluster id and no --initial-controllers.
 */
export async function startLocalCluster(
  dir: string,
  previous: KafkaNodeRecord[],
  onStep?: (message: string) => void,
  security?: BrokerSecurity,
): Promise<KafkaNodeRecord[]> {
  const classpath = await kafkaClasspath(dir, onStep)
  const nodes = await placeNodes(dir, previous)
  // Ports of a running voter never change, so a restarted node's quorum list matches the others'.
  const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',')
  const heap = process.env.ELECTION_KAFKA_HEAP ?? CLUSTER_DEFAULT_HEAP
  let clusterId = await existingClusterId(nodes)
  const records: KafkaNodeRecord[] = []
  for (const node of nodes) {
    const record = previous.find((n) => n.nodeId === node.nodeId)
    if (record && isAlive(record.pid)) {
      records.push(record)
      continue
    }
    await ensurePrivateDir(node.home)
    await ensurePrivateDir(node.dataDir)
    const config = path.join(node.home, 'server.properties')
    await writePrivateFile(config, serverProperties(node, voters, CLUSTER_SIZE, security))
    const javaArgs = await javaArgsFor(node, classpath)
    if (!isFormatted(node)) {
      onStep?.(`Formatting Kafka storage of node ${node.nodeId} (KRaft)`)
      clusterId ??= await newClusterId(javaArgs)
      await formatStorage(javaArgs, config, clusterId, security)
    }
    onStep?.(`Starting Apache Kafka node ${node.nodeId} on 127.0.0.1:${node.port}`)
    const pid = spawnBroker(javaArgs, config, node, heap)
    records.push({nodeId: node.nodeId, port: node.port, controllerPort: node.controllerPort, pid})
  }
  return records
}
