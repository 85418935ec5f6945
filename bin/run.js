#!/usr/bin/env node
import './early-signals.js'
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
