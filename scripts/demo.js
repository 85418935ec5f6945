#!/usr/bin/env node
// `npm run demo` from a fresh clone: install and build when needed, then `election demo`.
import {execSync, spawnSync} from 'node:child_process'
import {existsSync, statSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const run = (command) => execSync(command, {cwd: root, stdio: 'inherit'})

const newest = (dir) =>
  readdirSync(dir, {withFileTypes: true}).reduce((max, entry) => {
    const full = path.join(dir, entry.name)
    return Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
  }, 0)

if (!existsSync(path.join(root, 'node_modules', '@oclif', 'core'))) run('npm ci --no-audit --no-fund')
if (!existsSync(path.join(root, 'dist', 'commands')) || newest(path.join(root, 'src')) > newest(path.join(root, 'dist')))
  run('npm run build')

const result = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'demo', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
