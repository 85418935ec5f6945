/**
 * Draws one sequence of frames with Ink twice, into two headless terminal emulators (xterm.js):
 * once redrawing every frame whole (Ink's standard output) and once with incremental rendering
 * (only the lines that changed). After every frame it reads both screens and prints, as JSON,
 * where they differ from each other and, for plain text frames, from the text itself. Run as its
 * own process (test/lib/dashboard/terminal-drawing.unit.test.ts): Ink decides at import time,
 * from CI, whether to draw frames at all.
 *
 * Usage: node --import tsx terminal-frames.tsx <columns> <rows>
 */
import {EventEmitter} from 'node:events'
import {setTimeout as sleep} from 'node:timers/promises'

import xterm from '@xterm/headless'
import {Box, render, Text} from 'ink'
// tsx applies tsconfig's automatic JSX runtime only to src; test files use the classic one.
import React, {useEffect, useState} from 'react'

import {Dashboard} from '../../src/lib/dashboard/ui/Dashboard.js'
import type {Snapshot} from '../../src/lib/dashboard/types.js'
import {emptySnapshot, fixtureSnapshot} from '../lib/dashboard/fixtures.js'

const columns = Number(process.argv[2])
const rows = Number(process.argv[3])

/** A terminal of columns x rows and the TTY Ink writes to it through. */
function emulated() {
  const terminal = new xterm.Terminal({cols: columns, rows, allowProposedApi: true, scrollback: 1000, convertEol: true})
  const tty = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns,
    rows,
    write: (data: string) => {
      // A frame is one write; the synchronized-output brackets around it (8 bytes each) are others.
      if (data.length > 12) frameWrites++
      terminal.write(data)
      return true
    },
  })
  let frameWrites = 0
  // convertEol: a pty turns each \n into \r\n (the line discipline's ONLCR); Ink relies on it.
  /** The screen once everything written is parsed: one string per row, trailing spaces dropped. */
  const screen = () =>
    new Promise<string[]>((resolve) =>
      terminal.write('', () => {
        const buffer = terminal.buffer.active
        resolve(Array.from({length: rows}, (_, y) => buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? ''))
      }),
    )
  return {tty: tty as unknown as NodeJS.WriteStream, screen, frameWrites: () => frameWrites}
}

/** No keys: stdin is not a TTY, so the dashboard reads none. */
const noKeys = () =>
  Object.assign(new EventEmitter(), {
    isTTY: false,
    setEncoding() {},
    setRawMode() {},
    read: () => null,
    ref() {},
    unref() {},
  }) as unknown as NodeJS.ReadStream

/** Snapshots that change as a live election does: counts grow, rows come and go, the shape changes. */
function dashboardFrames(): Snapshot[] {
  const base = fixtureSnapshot()
  return Array.from({length: 24}, (_, i) => {
    const grown = {
      ...base,
      refreshedAt: new Date(Date.parse(base.refreshedAt) + i * 1000).toISOString(),
      totals: {...base.totals, counted: base.totals.counted + i * 37},
      candidates: base.candidates.map((c, k) => ({...c, total_votes: c.total_votes + i * (k + 1)})),
    }
    // Every seventh frame an election with no data yet (another shape), every fifth one candidate fewer (fewer lines).
    if (i % 7 === 6) return emptySnapshot()
    if (i % 5 === 4) return {...grown, candidates: grown.candidates.slice(0, 2)}
    return grown
  })
}

/** Plain text frames for the edges: growing and shrinking by many lines, blank and repeated lines, taller than the screen. */
function textFrames(): string[][] {
  const block = (n: number, tag: string) => Array.from({length: n}, (_, i) => (i % 4 === 3 ? ' ' : `${tag} line ${i}`))
  return [
    block(5, 'a'),
    block(12, 'a'),
    block(3, 'b'),
    [...block(3, 'b'), ' ', ' ', 'end'],
    block(rows - 2, 'c'),
    block(rows - 1, 'c'),
    // From the bottom row (the last frame's trailing newline), taller than the screen with a blank line there: it must scroll.
    [...block(rows - 1, 'h'), ' ', ...block(4, 'i')],
    block(1, 'd'),
    block(rows + 5, 'e'),
    block(rows + 5, 'f'),
    block(4, 'g'),
    ['same', 'same', 'same'],
    ['same', 'other', 'same', 'same'],
    ['x'],
  ]
}

interface Frame {
  label: string
  node: React.ReactElement
  /** The text's lines, for plain text frames: what the screen must show, from its top. */
  lines?: string[]
}

const frames: Frame[] = [
  ...dashboardFrames().map((snapshot, i) => ({label: `dashboard frame ${i}`, node: <Dashboard snapshot={snapshot} intervalSec={1} />})),
  ...textFrames().map((lines, i) => ({
    label: `text frame ${i} (${lines.length} lines)`,
    lines,
    node: (
      <Box flexDirection="column">
        {lines.map((line, k) => (
          <Text key={k}>{line}</Text>
        ))}
      </Box>
    ),
  })),
]

function Frames({onReady}: {onReady: (show: (i: number) => void) => void}) {
  const [i, setI] = useState(0)
  useEffect(() => onReady(setI), [onReady])
  return frames[i]!.node
}

/** What a text frame must leave on screen: its lines while they fit, else its last `rows` lines. */
function expectedScreen(lines: string[]): string[] {
  // A blank line is a space (an empty <Text> takes no line); the screen's rows are read without trailing spaces.
  const shown = (lines.length >= rows ? lines.slice(-rows) : lines).map((line) => line.trimEnd())
  return [...shown, ...Array.from({length: rows - shown.length}, () => '')]
}

const modes = ['standard', 'incremental'] as const
const drawn = modes.map((mode) => {
  const {tty, screen, frameWrites} = emulated()
  let show: (i: number) => void = () => {}
  const app = render(<Frames onReady={(s) => (show = s)} />, {
    stdout: tty,
    stdin: noKeys(),
    incrementalRendering: mode === 'incremental',
    patchConsole: false,
    exitOnCtrlC: false,
  })
  return {mode, app, screen, frameWrites, show: (i: number) => show(i)}
})

const problems: string[] = []
for (const [i, frame] of frames.entries()) {
  // The first frame is drawn as Ink starts; every later one differs from the one before, so each Ink writes it.
  const before = drawn.map((d) => (i === 0 ? 0 : d.frameWrites()))
  for (const d of drawn) d.show(i)
  const deadline = performance.now() + 20_000
  while (drawn.some((d, k) => d.frameWrites() === before[k]) && performance.now() < deadline) await sleep(5)
  for (const [k, d] of drawn.entries()) if (d.frameWrites() === before[k]) problems.push(`${frame.label}: never drawn (${d.mode})`)
  const [standard, incremental] = await Promise.all(drawn.map((d) => d.screen()))
  // SHOW_SCREENS=1 prints both screens of every frame on stderr, to see what went wrong.
  if (process.env.SHOW_SCREENS) console.error(`--- ${frame.label}\n${standard!.join('\n')}\n--- incremental\n${incremental!.join('\n')}`)
  const first = (a: string[], b: string[]) => a.findIndex((line, row) => line !== b[row])
  const differs = first(incremental!, standard!)
  if (differs >= 0) {
    const [got, want] = [incremental![differs], standard![differs]].map((line) => JSON.stringify(line))
    problems.push(`${frame.label}: row ${differs + 1} incremental ${got}, standard ${want}`)
  }
  if (!frame.lines && !standard![0]!.startsWith('Election dashboard'))
    problems.push(`${frame.label}, standard: row 1 is ${JSON.stringify(standard![0])}, not the header`)
  if (frame.lines) {
    const want = expectedScreen(frame.lines)
    for (const d of [0, 1]) {
      const got = d === 0 ? standard! : incremental!
      const row = first(got, want)
      if (row >= 0)
        problems.push(`${frame.label}, ${modes[d]}: row ${row + 1} is ${JSON.stringify(got[row])}, not ${JSON.stringify(want[row])}`)
    }
  }
}
for (const d of drawn) d.app.unmount()
// One line of JSON; Ink may write a cursor escape after it as it ends.
process.stdout.write(`${JSON.stringify({frames: frames.length, problems})}\n`)
