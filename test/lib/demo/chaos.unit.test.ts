import assert from 'node:assert/strict'

import {chaosSummary, runChaos, type ChaosKill, type Killable} from '../../../src/lib/demo/chaos.js'

/** A stage that only records what chaos did to it; `exitCode` set means it ended by itself. */
function fakeStage(name: 'vote' | 'aggregate', firstPid: number) {
  let pid = firstPid
  const stage = {
    name,
    child: {exitCode: null as number | null},
    killed: [] as number[],
    killAndRestart() {
      stage.killed.push(pid)
      return {killed: pid, restarted: ++pid}
    },
  }
  return stage satisfies Killable
}

const plan = (seed: number, maxKills = 4) => ({seed, minGapMs: 0, maxGapMs: 1, maxKills})
const at = () => new Date('2026-11-25T12:00:00Z')

describe('demo --chaos', () => {
  it('kills the two stages in turn, restarting each, up to the plan', async () => {
    const vote = fakeStage('vote', 100)
    const aggregate = fakeStage('aggregate', 200)
    const seen: ChaosKill[] = []
    const kills = await runChaos([vote, aggregate], plan(1), new AbortController().signal, (k) => seen.push(k), at)
    assert.equal(kills.length, 4)
    assert.deepEqual(seen, kills, 'each kill reported as it happens')
    const stages = kills.map((k) => k.stage)
    assert.ok(
      stages.every((s, i) => i === 0 || s !== stages[i - 1]),
      `in turn: ${stages.join(' ')}`,
    )
    assert.deepEqual(vote.killed, [100, 101], 'the restarted process is the next one killed')
    assert.deepEqual(
      kills.filter((k) => k.stage === 'vote').map((k) => [k.pid, k.restartedPid]),
      [
        [100, 101],
        [101, 102],
      ],
    )
  })

  it('is seeded: the same seed picks the same first victim, and the seeds do not all agree', async () => {
    const first = async (seed: number) =>
      (await runChaos([fakeStage('vote', 1), fakeStage('aggregate', 2)], plan(seed, 1), new AbortController().signal, () => {}, at))[0]!
        .stage
    assert.equal(await first(7), await first(7))
    const firsts = new Set(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(first)))
    assert.equal(firsts.size, 2, 'both stages come first for some seed')
  })

  it('never kills a stage that ended by itself, and stops when told', async () => {
    const vote = fakeStage('vote', 100)
    vote.child.exitCode = 0
    const aggregate = fakeStage('aggregate', 200)
    const kills = await runChaos([vote, aggregate], plan(3, 3), new AbortController().signal, () => {}, at)
    assert.deepEqual(vote.killed, [])
    assert.ok(kills.every((k) => k.stage === 'aggregate'))
    const stopped = new AbortController()
    stopped.abort()
    assert.deepEqual(await runChaos([fakeStage('vote', 1), fakeStage('aggregate', 2)], plan(3), stopped.signal, () => {}, at), [])
  })

  it('sums up what it did and what verify found', () => {
    const kill = (stage: ChaosKill['stage']): ChaosKill => ({stage, pid: 1, restartedPid: 2, at: ''})
    const kills = [kill('vote'), kill('aggregate'), kill('vote')]
    assert.equal(
      chaosSummary(kills, {ok: true, votes: 3000, differences: []}),
      'chaos: 3 kill -9 (vote 2, aggregate 1), each restarted; 3000 votes, 0 lost, 0 counted twice: the aggregates equal Postgres.',
    )
    assert.match(chaosSummary(kills, {ok: false, votes: 3000, differences: [1, 2]}), /verify found 2 differences/)
  })
})
