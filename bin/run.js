#!/usr/bin/env node
import './early-signals.js'
import {execute} from '@oclif/core'

// React (under Ink) in development mode is several times slower and keeps profiling
// entries; the built CLI runs it in production mode unless told otherwise.
process.env.NODE_ENV ??= 'production'

await execute({dir: import.meta.url})
