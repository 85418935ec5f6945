#!/usr/bin/env -S node --import tsx
import './early-signals.js'
import {execute} from '@oclif/core'

import {exitWhenDone} from '../src/lib/exit-when-done.js'

await execute({development: true, dir: import.meta.url})
exitWhenDone(2000)
