/**
 * A replicated, secured cluster that loses a broker: `services up --brokers 3 --secure` in a state
 * folder of its own (the suite's Postgres reused through DATABASE_URL), reached as a user reaches a
 * managed cluster: KAFKA_BROKERS, KAFKA_SASL_* (SCRAM-SHA-512) and KAFKA_SSL_CA_FILE, so brokers
 * replicate and clients fail over through SASL_SSL, topics with replication factor 3 and
 * min.insync.replicas=2, then vote and aggregate run while a partition leader (of the candidate
 * totals and of votes_topic partitions) is killed (kill -9) and later restarted through `services up`. The pipeline must carry on with
 * two brokers and stay exact. The stall around the kill is measured and printed, not asserted.
 */
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {resolveSettings} from '../../src/lib/config/settings.js'
import {readState} from '../../src/lib/config/state.js'
import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {servicesDown, servicesUp} from '../../src/lib/services/index.js'
import {commandExists} from '../../src/lib/services/process.js'
import {killAllCli, runCli, runJson, startCli, waitFor} from '../helpers/cli.js'
import {killHard} from '../helpers/outages.js'
import {assertCleanError, assertExactlyOnce, count, ok, stopCleanly, until} from '../helpers/pipeline.js'
import {watchProgress} from '../helpers/progress.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

const log = (message: string) => process.stderr.write(`  [cluster] ${message}\n`)

interface NodeJson {
  nodeId: number
  pid: number | null
  healthy: boolean
}

describe('replicated cluster: three local brokers over SASL_SSL, one killed (kill -9) mid-run and restarted', function () {
  this.timeout(15 * 60_000)
  const VOTERS = 6000
  const session = ['--session-timeout', '6s']
  let home: string | undefined
  let servicesEnv: NodeJS.ProcessEnv
  let t: TestEnv

  before(async function () {
    // The cluster always runs from Apache's jars (docker-compose.yml has one broker).
    if (
      !(await commandExists('java', ['-version'])) ||
      !(await commandExists('mvn', ['-v'])) ||
      !(await commandExists('openssl', ['version']))
    )
      this.skip()
    const base = await freshEnv()
    t = base
    home = await mkdtemp(path.join(tmpdir(), 'election-cluster-'))
    // Its own state folder for Kafka; Postgres is the suite's, named by DATABASE_URL (so never stopped here).
    servicesEnv = {...process.env, ELECTION_HOME: home, DATABASE_URL: base.env.DATABASE_URL}
    delete servicesEnv.KAFKA_BROKERS
    await servicesUp({env: servicesEnv, localBrokers: 3, secure: true, onStep: log})
    const {address, security} = (await readState(home)).kafka!
    const env = {
      ...base.env,
      KAFKA_BROKERS: address,
      KAFKA_SASL_MECHANISM: security!.mechanism,
      KAFKA_SASL_USERNAME: security!.username,
      KAFKA_SASL_PASSWORD: security!.password,
      KAFKA_SSL_CA_FILE: security!.caFile,
    }
    t = {...base, env, settings: resolveSettings({}, env, {})}
    await ok(t, 'init-db', '--replication-factor', '3')
    await ok(t, 'seed-candidates')
    await ok(t, 'register-voters', '--count', String(VOTERS))
  })

  after(async function () {
    this.timeout(3 * 60_000)
    killAllCli()
    if (home) {
      await servicesDown({env: servicesEnv, purge: true}).catch((error: unknown) => log(`services down: ${String(error)}`))
      await rm(home, {recursive: true, force: true})
    }
    await t?.drop()
  })

  it('lists three secured brokers, and refuses to turn into a single broker in place', async () => {
    const status = await runJson<{
      services: Array<{service: string; address: string; healthy: boolean; security: string; nodes?: NodeJson[]}>
    }>(['services', 'status'], servicesEnv)
    const kafka = status.json.services.find((s) => s.service === 'kafka')!
    assert.equal(kafka.address, t.env.KAFKA_BROKERS)
    assert.equal(kafka.security, 'SASL_SSL (SCRAM-SHA-512, user election)')
    assert.equal(kafka.address.split(',').length, 3)
    assert.deepEqual(
      kafka.nodes?.map((n) => [n.nodeId, n.healthy, n.pid !== null]),
      [
        [1, true, true],
        [2, true, true],
        [3, true, true],
      ],
    )
    assertCleanError(await runCli(['services', 'up', '--brokers', '1'], servicesEnv), 3, /3-broker/, /services down/, /kafka/)
  })

  it('creates every topic with three replicas and min.insync.replicas=2', async () => {
    const names = topicNames(t.env)
    const admin = createKafka(t.settings.kafka).admin()
    await admin.connect()
    try {
      const {topics} = await admin.fetchTopicMetadata({topics: [names.votes, names.voters, names.aggregates.candidate]})
      for (const topic of topics)
        for (const p of topic.partitions) assert.equal(p.replicas.length, 3, `${topic.name}[${p.partitionId}] replicas`)
      const {resources} = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{type: 2, name: names.votes, configNames: ['min.insync.replicas']}],
      })
      assert.equal(resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue, '2')
    } finally {
      await admin.disconnect()
    }
  })

  it('carries on with two brokers, takes the third back, and stays exact', async () => {
    const vote = startCli(['vote', '--rate', '100', ...session], t.env)
    const aggregate = startCli(['aggregate', ...session], t.env)
    const running = async (what: string) => {
      for (const [name, child] of [
        ['vote', vote],
        ['aggregate', aggregate],
      ] as const) {
        if (child.exitCode !== null)
          assert.fail(`${name} exited ${what} (exit ${child.exitCode}): ${(await waitFor(child)).stderr.slice(-3000)}`)
      }
    }
    const votes = await watchProgress(t, 'votes')
    try {
      await until(async () => (await count(t, 'aggregator_counted_votes')) > 0, 120_000, 'vote and aggregate under way')

      // A partition leader (of the totals and, with three brokers, of votes_topic partitions too): its partitions move to the other two.
      const victim = await victimBroker(t)
      const {kafka} = await readState(home)
      const pid = kafka!.nodes!.find((n) => n.nodeId === victim.nodeId)!.pid!
      const votedAtKill = await count(t, 'votes')
      const killedAt = Date.now()
      await killHard(pid, false)
      log(
        `killed node ${victim.nodeId} (pid ${pid}, leader of the candidate totals and votes_topic partitions ` +
          `[${victim.votesPartitions.join(', ')}]${victim.controller ? ', the controller' : ''}) at ${votedAtKill} votes`,
      )

      await until(
        async () => (await count(t, 'votes')) >= Math.min(VOTERS, votedAtKill + 300),
        180_000,
        'votes carrying on with one broker down',
      )
      const stallAtKill = votes.longestStall(killedAt)
      await running('with one broker down')

      const restartedAt = Date.now()
      await servicesUp({env: servicesEnv, onStep: log})
      const votedAtRestart = await count(t, 'votes')
      await until(
        async () => (await count(t, 'votes')) >= Math.min(VOTERS, votedAtRestart + 300),
        180_000,
        'votes carrying on after the restart',
      )
      const stallAtRestart = votes.longestStall(restartedAt)
      await running('after the restart')
      log(
        `longest stall in votes (count(*) sampled every 250 ms): ${stallAtKill} ms after the kill, ${stallAtRestart} ms after the restart`,
      )

      const [, aggregated] = await Promise.all([stopCleanly(vote, 'vote'), stopCleanly(aggregate, 'aggregate')])
      log(`aggregate renewed its totals producer ${aggregated.stderr.split('sending through a new producer').length - 1} time(s)`)
    } finally {
      await votes.stop()
    }

    const rest = await runJson(['vote', '--exit-when-idle', '3s', ...session], t.env, 300_000)
    assert.equal(rest.code, 0, rest.stderr)
    const drain = await runJson(['aggregate', '--exit-when-idle', '3s', ...session], t.env, 300_000)
    assert.equal(drain.code, 0, drain.stderr)
    await assertExactlyOnce(t, VOTERS)
  })
})

/**
 * The broker leading the candidate totals (where the aggregator's idempotent producer writes),
 * the votes_topic partitions it leads too, and whether it is the active controller.
 */
async function victimBroker(t: TestEnv): Promise<{nodeId: number; votesPartitions: number[]; controller: boolean}> {
  const names = topicNames(t.env)
  const admin = createKafka(t.settings.kafka).admin()
  await admin.connect()
  try {
    const {topics} = await admin.fetchTopicMetadata({topics: [names.aggregates.candidate, names.votes]})
    const nodeId = topics.find((x) => x.name === names.aggregates.candidate)!.partitions[0]!.leader
    const votesPartitions = topics
      .find((x) => x.name === names.votes)!
      .partitions.filter((p) => p.leader === nodeId)
      .map((p) => p.partitionId)
    const {controller} = await admin.describeCluster()
    return {nodeId, votesPartitions, controller: controller === nodeId}
  } finally {
    await admin.disconnect()
  }
}
