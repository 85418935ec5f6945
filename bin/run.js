#!/usr/bin/env node
import './early-signals.js'
import {execute} from '@oclif/core'

import {exitWhenDone} from '../dist/lib/exit-when-done.js'

// React (under Ink) in development mode is several times slower and keeps profiling
// entries; the built CLI runs it in production mode unless told otherwise.
process.env.NODE_ENV ??= 'production'

await execute({dir: import.meta.url})
exitWhenDone(2000, (open) => {
  if (process.argv.includes('--debug'))
    process.stderr.write(`[debug] still open after the command ended, exiting anyway: ${open.join(', ')}\n`)
})
