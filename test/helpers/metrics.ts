/** Reading a Prometheus endpoint the way a scraper does: the text exposition format, parsed. */
import type {ChildProcess} from 'node:child_process'
import {Agent, get} from 'node:http'

import {waitFor} from './cli.js'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a text exposition (comments skipped; label values unescaped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    samples.push({name: match[1]!, labels, value: Number(match[3])})
  }
  return samples
}

/** One metric's samples, with the labels given (others ignored). */
export class Scrape {
  constructor(readonly samples: Sample[]) {}

  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }

  /** The sum over the matching samples; 0 when none. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((sum, s) => sum + s.value, 0)
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name)
  }
}

/** GET /metrics; undefined while nothing listens yet. */
export async function scrape(port: number): Promise<Scrape | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`)
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`)
    return new Scrape(parseMetrics(await response.text()))
  } catch (error) {
    if ((error as {cause?: {code?: string}}).cause?.code === 'ECONNREFUSED') return undefined
    throw error
  }
}

/** Scrapes once through a keep-alive agent, as Prometheus does, and returns it with the connection still open: destroy it when done. */
export async function scrapeKeepingAlive(port: number): Promise<Agent> {
  const agent = new Agent({keepAlive: true})
  await new Promise<void>((resolve, reject) =>
    get({host: '127.0.0.1', port, path: '/metrics', agent}, (response) => response.resume().on('end', resolve)).on('error', reject),
  )
  return agent
}

/**
 * Scrapes a running command until `done` holds, and returns that scrape. Fails with the
 * command's output if it exits first (it would, with --exit-when-idle, if `done` never held).
 */
export async function scrapeUntil(port: number, child: ChildProcess, done: (scrape: Scrape) => boolean): Promise<Scrape> {
  let last: Scrape | undefined
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const result = await waitFor(child)
      const seen = last
        ? last.samples
            .filter((s) => s.name.startsWith('election_'))
            .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
            .join('\n')
        : 'no scrape answered'
      throw new Error(
        `the command exited (${result.code}) before its metrics showed the expected values; ` +
          `last scrape:\n${seen}\nstderr: ${result.stderr}`,
      )
    }
    last = (await scrape(port)) ?? last
    if (last && done(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
