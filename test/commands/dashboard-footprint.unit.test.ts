import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const command = fileURLToPath(new URL('../../src/commands/dashboard.ts', import.meta.url))

/**
 * The packages a fresh process loads to get the dashboard command ready to run, read from a
 * module resolve hook: the dashboard's memory budget (150 MB) is mostly code, so what loads is
 * what it costs.
 */
function packagesLoadedBy(modulePath: string): Map<string, number> {
  const hook = `let port
    export function initialize(data) { port = data.port }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context)
      port.postMessage(resolved.url)
      return resolved
    }`
  const script = `
    import {register} from 'node:module'
    import {MessageChannel} from 'node:worker_threads'
    const {port1, port2} = new MessageChannel()
    const urls = new Set()
    port1.on('message', (url) => urls.add(url))
    const hook = 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)})
    register(hook, {parentURL: import.meta.url, data: {port: port2}, transferList: [port2]})
    await import(${JSON.stringify(modulePath)})
    await new Promise((resolve) => setTimeout(resolve, 300)) // the hook's last messages
    console.log(JSON.stringify([...urls]))
    port1.close()
  `
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {...process.env, NODE_ENV: 'production'},
    timeout: 60_000,
  })
  assert.equal(run.status, 0, run.stderr)
  const packages = new Map<string, number>()
  for (const url of JSON.parse(run.stdout) as string[]) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
    if (name) packages.set(name, (packages.get(name) ?? 0) + 1)
  }
  return packages
}

describe('the dashboard command: what it loads', () => {
  it("loads Ink and kafkajs, but neither prom-client (without --metrics-port) nor es-toolkit's compat barrel", function () {
    this.timeout(90_000)
    const packages = packagesLoadedBy(command)
    // The test sees what it should: the packages the dashboard does need.
    for (const needed of ['ink', 'react', 'kafkajs', 'pg', '@oclif/core']) assert.ok(packages.has(needed), `${needed} not seen`)
    assert.equal(packages.get('prom-client'), undefined, 'prom-client: its ~10 MB are only for --metrics-port')
    // Ink needs one function of es-toolkit; the compat barrel it imported pulled in over 400 modules (about 20 MB).
    assert.ok((packages.get('es-toolkit') ?? 0) < 10, `es-toolkit: ${packages.get('es-toolkit')} modules`)
  })
})
