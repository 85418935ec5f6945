/**
 * Scale-out across processes: three `vote` and three `aggregate` members per group on twelve
 * partitions, joining and leaving during the run, with the exactly-once checks at the end.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'

import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {runJson, startCli, waitFor} from '../helpers/cli.js'
import {assertExactlyOnce, count, preparedElection, until} from '../helpers/pipeline.js'

const PARTITIONS = 12
const VOTERS = 9000

/** SIGTERM: a member that leaves must leave cleanly (exit 0) and hand its partitions over. */
async function leave(child: ChildProcess, name: string): Promise<void> {
  const exited = waitFor(child)
  child.kill('SIGTERM')
  const result = await exited
  assert.equal(result.code, 0, `${name} left with ${result.code}/${result.signal}: ${result.stderr.slice(-2000)}`)
}

describe('scale-out: three vote and three aggregate processes on twelve partitions, joining and leaving', function () {
  this.timeout(6 * 60_000)
  const election = preparedElection(VOTERS, PARTITIONS)

  it('counts every vote once and processes every partition', async () => {
    const t = election()
    const session = ['--session-timeout', '6s']
    const vote = () => startCli(['vote', '--rate', '250', ...session], t.env)
    const aggregate = () => startCli(['aggregate', ...session], t.env)
    const votes = () => count(t, 'votes')
    const voters = [vote()]
    const aggregators = [aggregate()]
    await until(async () => (await votes()) > 500, 60_000, 'the first members under way')
    voters.push(vote(), vote())
    aggregators.push(aggregate(), aggregate())
    await until(async () => (await votes()) > 2500, 60_000, 'three members each')
    // One of each leaves; a newcomer takes its place later.
    await Promise.all([leave(voters.shift()!, 'vote 1'), leave(aggregators.shift()!, 'aggregate 1')])
    await until(async () => (await votes()) > 4500, 60_000, 'two members each')
    voters.push(vote())
    aggregators.push(aggregate())
    await until(async () => (await votes()) === VOTERS, 120_000, 'every voter voted')
    await Promise.all(voters.map((v, i) => leave(v, `vote ${i + 2}`)))
    await until(async () => (await count(t, 'aggregator_counted_votes')) === VOTERS, 60_000, 'every vote counted')
    await Promise.all(aggregators.map((a, i) => leave(a, `aggregate ${i + 2}`)))

    await assertExactlyOnce(t, VOTERS)
    // Every partition of voters_topic was consumed to its end by the voting group.
    const names = topicNames(t.env)
    const admin = createKafka(t.settings.kafka).admin()
    await admin.connect()
    try {
      const high = new Map((await admin.fetchTopicOffsets(names.voters)).map((o) => [o.partition, o.high]))
      const [committed] = await admin.fetchOffsets({groupId: names.groups.vote, topics: [names.voters]})
      assert.equal(committed!.partitions.length, PARTITIONS)
      for (const p of committed!.partitions) assert.equal(p.offset, high.get(p.partition), `voters_topic partition ${p.partition}`)
      const perPartition = await admin.fetchTopicOffsets(names.votes)
      assert.ok(
        perPartition.every((o) => Number(o.high) > 0),
        'every votes_topic partition received votes',
      )
    } finally {
      await admin.disconnect()
    }
    const final = await runJson<{counted: number}>(['aggregate', '--exit-when-idle', '2s', ...session], t.env)
    assert.equal(final.code, 0, final.stderr)
    assert.equal(final.json.counted, 0, 'nothing left uncounted')
  })
})
