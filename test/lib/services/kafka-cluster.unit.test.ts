import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ElectionError} from '../../../src/lib/errors.js'
import {kafkaLayout, refuseLayoutChange} from '../../../src/lib/services/kafka-cluster.js'
import {serverProperties} from '../../../src/lib/services/kafka-local.js'

describe('local Kafka cluster layout', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'election-layout-'))
  })
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  it('a fresh state folder takes either broker count', () => {
    assert.equal(kafkaLayout(dir), 'none')
    refuseLayoutChange(dir, 1)
    refuseLayoutChange(dir, 3)
  })

  it("refuses to turn a single broker's folder into a cluster, and back, in one line that says what to do", async () => {
    await mkdir(path.join(dir, 'kafka', 'data'), {recursive: true})
    refuseLayoutChange(dir, 1)
    assert.throws(
      () => refuseLayoutChange(dir, 3),
      (error: ElectionError) => /1-broker/.test(error.message) && /services down/.test(error.message) && !error.message.includes('\n'),
    )
    await rm(path.join(dir, 'kafka'), {recursive: true})
    await mkdir(path.join(dir, 'kafka', 'node-1', 'data'), {recursive: true})
    refuseLayoutChange(dir, 3)
    assert.throws(() => refuseLayoutChange(dir, 1), /3-broker.*remove .*kafka/)
  })
})

describe('broker configuration', () => {
  const node = {nodeId: 2, home: '/h', dataDir: '/h/data', port: 1001, controllerPort: 2001}
  const config = (replicas: 1 | 3) =>
    Object.fromEntries(
      serverProperties(node, '1@a,2@b,3@c', replicas)
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => l.split(/=(.*)/).slice(0, 2)),
    )

  it('a three-broker cluster replicates its internal topics and asks two copies of every write', () => {
    const c = config(3)
    assert.equal(c['node.id'], '2')
    assert.equal(c['controller.quorum.voters'], '1@a,2@b,3@c')
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'default.replication.factor'])
      assert.equal(c[key], '3', key)
    for (const key of ['transaction.state.log.min.isr', 'min.insync.replicas']) assert.equal(c[key], '2', key)
    assert.equal(c.listeners, 'PLAINTEXT://127.0.0.1:1001,CONTROLLER://127.0.0.1:2001')
  })

  it('a single broker keeps one copy of everything', () => {
    const c = config(1)
    assert.equal(c['offsets.topic.replication.factor'], '1')
    assert.equal(c['transaction.state.log.min.isr'], '1')
    assert.equal(c['default.replication.factor'], undefined)
  })
})
