import {createInterface} from 'node:readline/promises'

import {usageError} from './errors.js'

/** Destructive actions ask on a TTY; without one they need --force, so scripts never hang on a prompt. */
export async function confirmDestructive(what: string, force: boolean): Promise<void> {
  if (force) return
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw usageError(`${what}; refusing without --force when not on a terminal`, 'add --force')
  }
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question(`${what}. Continue? [y/N] `)
    if (!/^y(es)?$/i.test(answer.trim())) throw usageError('aborted: nothing was changed')
  } finally {
    rl.close()
  }
}
