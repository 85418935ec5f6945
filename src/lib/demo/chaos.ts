import type {ChildProcess} from 'node:child_process'

import {Rng} from '../random.js'
import {pauseFor} from '../retry.js'
import type {ExactnessCheck} from './events.js'
import {exitOf, startStage, type DemoEnv} from './index.js'

/** A pipeline stage (vote, aggregate) under supervision: chaos may kill -9 its process and start another. */
export class Stage {
  child: ChildProcess

  constructor(
    readonly name: 'vote' | 'aggregate',
    private readonly args: string[],
    private readonly demo: DemoEnv,
  ) {
    this.child = startStage(name, args, demo)
  }

  /** kill -9, and at once a new process with the same arguments (its log appended to the same file). */
  killAndRestart(): {killed: number | undefined; restarted: number | undefined} {
    const killed = this.child.pid
    this.child.kill('SIGKILL')
    this.restart()
    return {killed, restarted: this.child.pid}
  }

  /** A new process with the same arguments, its log appended to the same file. */
  restart(): void {
    this.child = startStage(this.name, this.args, this.demo, {append: true})
  }

  /** The exit code of the process that ended by itself: a process chaos killed does not count. */
  async done(): Promise<number | null> {
    for (;;) {
      const child = this.child
      const code = await exitOf(child)
      if (child === this.child) return code
    }
  }
}

/** What chaos needs of a stage (Stage; tests bring their own). */
export type Killable = Pick<Stage, 'name' | 'killAndRestart'> & {readonly child: {readonly exitCode: number | null}}

export interface ChaosKill {
  stage: 'vote' | 'aggregate'
  /** The killed process and the one started in its place. */
  pid: number | null
  restartedPid: number | null
  at: string
}

export interface ChaosPlan {
  seed: number
  /** A kill every minGapMs to maxGapMs (uniform, seeded): a restarted member needs a session timeout to take its partitions back. */
  minGapMs: number
  maxGapMs: number
  maxKills: number
}

/** About two kills a stage in a short demo, each after its victim has had time to rejoin. */
export const DEFAULT_CHAOS: Omit<ChaosPlan, 'seed'> = {minGapMs: 4000, maxGapMs: 9000, maxKills: 6}

/**
 * Kills vote and aggregate in turn (which one first, and when, from the seed) until `until`
 * aborts or the plan's kills are spent. Exactly-once means none of this may lose or
 * double-count a vote: the demo's verify says whether it did.
 */
export async function runChaos(
  stages: [Killable, Killable],
  plan: ChaosPlan,
  until: AbortSignal,
  onKill: (kill: ChaosKill) => void,
  now: () => Date = () => new Date(),
): Promise<ChaosKill[]> {
  const rng = new Rng(plan.seed, 0xc4a05)
  const kills: ChaosKill[] = []
  let turn = rng.int(2)
  while (kills.length < plan.maxKills && !until.aborted) {
    await pauseFor(plan.minGapMs + rng.next() * (plan.maxGapMs - plan.minGapMs), until)
    if (until.aborted) break
    const stage = stages[turn++ % 2]!
    if (stage.child.exitCode !== null) continue // ended by itself: nothing to kill
    const {killed, restarted} = stage.killAndRestart()
    const kill = {stage: stage.name, pid: killed ?? null, restartedPid: restarted ?? null, at: now().toISOString()}
    kills.push(kill)
    onKill(kill)
  }
  return kills
}

/** One line after the run: what chaos did, and what verify found of it. */
export function chaosSummary(kills: ChaosKill[], verify: {ok: boolean; votes: number; differences: unknown[]}): string {
  const of = (stage: ChaosKill['stage']) => kills.filter((k) => k.stage === stage).length
  const done = `chaos: ${kills.length} kill -9 (vote ${of('vote')}, aggregate ${of('aggregate')}), each restarted`
  return verify.ok
    ? `${done}; ${verify.votes} votes, 0 lost, 0 counted twice: the aggregates equal Postgres.`
    : `${done}; verify found ${verify.differences.length} differences between the aggregates and Postgres.`
}

/** One kill as the demo prints it and the dashboard shows it. */
export const describeKill = (kill: ChaosKill): string =>
  `chaos: ${kill.stage} killed (kill -9, pid ${kill.pid}) at ${kill.at.slice(11, 19)} UTC, restarted as pid ${kill.restartedPid}`

/** One live exactness check, likewise. */
export const describeCheck = (check: ExactnessCheck): string =>
  `check at ${check.at.slice(11, 19)} UTC: ${check.votes} votes in Postgres, ${check.countedTwice} counted twice, ` +
  `${check.waiting} not counted yet`
