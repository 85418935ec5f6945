#!/usr/bin/env node
// Writes oclif.manifest.json after the build. Without it oclif imports every command module on
// each run to learn what commands exist (Ink, React, kafkajs, pg, faker: 0.5 s and tens of MB for
// `services status`); with it, only the command that runs is loaded. Built from oclif's own
// in-memory manifest, so it always matches dist/.
import {rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const target = new URL('../oclif.manifest.json', import.meta.url)
// oclif reads an existing manifest whatever ignoreManifest says: the last build's would be written back
// unchanged, and a flag added since would break its command's --help.
rmSync(target, {force: true})
const config = await Config.load({root, ignoreManifest: true})
const plugin = config.getPluginsList().find((p) => p.isRoot)
if (!plugin) throw new Error('oclif found no root plugin')
writeFileSync(target, `${JSON.stringify(plugin.manifest, null, 2)}\n`)
