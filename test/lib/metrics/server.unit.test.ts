import assert from 'node:assert/strict'

import {Counter, Registry} from 'prom-client'

import {ElectionError} from '../../../src/lib/errors.js'
import {serveMetrics, type MetricsServer} from '../../../src/lib/metrics/server.js'
import {freePort} from '../../../src/lib/services/process.js'
import {scrape, scrapeKeepingAlive} from '../../helpers/metrics.js'

describe('metrics: the HTTP endpoint', () => {
  let registry: Registry
  let port: number
  let server: MetricsServer | undefined
  beforeEach(async () => {
    registry = new Registry()
    new Counter({name: 'election_test_total', help: 'A test counter.', registers: [registry]}).inc(3)
    port = await freePort()
  })
  afterEach(async () => server?.close())

  it('serves the registry at /metrics in the Prometheus text format, and nothing elsewhere', async () => {
    server = await serveMetrics(registry, '127.0.0.1', port)
    assert.equal(server.url, `http://127.0.0.1:${port}/metrics`)
    const response = await fetch(server.url)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), registry.contentType)
    assert.match(await response.text(), /^election_test_total 3$/m)
    assert.equal((await scrape(port))?.value('election_test_total'), 3)
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404)
    assert.equal((await fetch(server.url, {method: 'POST'})).status, 404)
  })

  it('a port in use is a usage error (exit 2) naming --metrics-port', async () => {
    server = await serveMetrics(registry, '127.0.0.1', port)
    const error = await serveMetrics(new Registry(), '127.0.0.1', port).then(
      () => assert.fail('listened twice on one port'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof ElectionError, String(error))
    assert.equal(error.exitCode, 2)
    assert.match(error.message, new RegExp(`^--metrics-port ${port}: .*in use`))
  })

  it('close() ends even with a scraper keeping its connection open, and frees the port', async () => {
    server = await serveMetrics(registry, '127.0.0.1', port)
    const scraper = await scrapeKeepingAlive(port)
    try {
      await server.close()
      server = undefined
      assert.equal(await scrape(port), undefined, 'still listening after close()')
      // The port can be taken again at once.
      server = await serveMetrics(registry, '127.0.0.1', port)
    } finally {
      scraper.destroy()
    }
  })
})
