import assert from 'node:assert/strict'
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli} from '../helpers/cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Command ids from the built files: dist/commands/services/up.js is `services:up`. */
async function builtCommands(dir = path.join(root, 'dist', 'commands'), prefix = ''): Promise<string[]> {
  const ids: string[] = []
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isDirectory()) ids.push(...(await builtCommands(path.join(dir, entry.name), `${prefix}${entry.name}:`)))
    else if (entry.name.endsWith('.js')) ids.push(`${prefix}${entry.name.slice(0, -3)}`)
  }
  return ids
}

describe('oclif.manifest.json (written by npm run build)', () => {
  it('lists every built command with the file it loads from, so oclif loads only the command that runs', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'oclif.manifest.json'), 'utf8')) as {
      version: string
      commands: Record<string, {relativePath: string[]; isESM: boolean}>
    }
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {version: string}
    assert.equal(manifest.version, pkg.version)
    assert.deepEqual(Object.keys(manifest.commands).sort(), (await builtCommands()).sort())
    for (const [id, command] of Object.entries(manifest.commands)) {
      assert.equal(command.isESM, true, id)
      assert.deepEqual(
        command.relativePath,
        ['dist', 'commands', ...id.split(':')].map((p, i, all) => (i === all.length - 1 ? `${p}.js` : p)),
      )
    }
  })

  it('holds every flag of every built command: a stale manifest breaks the --help of a command with a new flag', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, {flags: Record<string, unknown>}>
    }
    for (const id of await builtCommands()) {
      const file = path.join(root, 'dist', 'commands', ...id.split(':')) + '.js'
      const {default: command} = (await import(file)) as {
        default: {flags?: Record<string, unknown>; baseFlags?: Record<string, unknown>; enableJsonFlag?: boolean}
      }
      // oclif adds --json to the commands that enable it.
      const flags = [...Object.keys({...command.baseFlags, ...command.flags}), ...(command.enableJsonFlag ? ['json'] : [])].sort()
      assert.deepEqual(Object.keys(manifest.commands[id]?.flags ?? {}).sort(), flags, id)
    }
  })

  it('election --help lists the commands from it', async () => {
    const {code, stdout} = await runCli(['--help'])
    assert.equal(code, 0)
    for (const id of ['aggregate', 'dashboard', 'demo', 'init-db', 'register-voters', 'seed-candidates', 'verify', 'vote', 'services'])
      assert.match(stdout, new RegExp(`^  ${id} `, 'm'))
  })
})
