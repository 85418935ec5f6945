import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'

import type {Registry} from 'prom-client'

import {usageError} from '../errors.js'

export interface MetricsServer {
  /** Where to scrape, e.g. http://127.0.0.1:9464/metrics. */
  readonly url: string
  /** Stops listening and drops open connections (a scraper's keep-alive one too), so nothing holds the process. */
  close(): Promise<void>
}

/** Serves `GET /metrics` from `registry` on host:port; a port that is taken is a usage error naming the flag. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((request, response) => void respond(registry, request, response))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch((error: unknown) => {
    throw listenError(error, host, port)
  })
  // A failing socket after start must not crash a vote or aggregate in the middle of a chunk.
  server.on('error', (error) => process.emitWarning(`metrics endpoint: ${error.message}`))
  // Belt and braces: even a close that was never reached cannot keep the process alive.
  server.unref()
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function respond(registry: Registry, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, {'content-type': 'text/plain'}).end('Not found: metrics are at /metrics\n')
    return
  }
  try {
    const body = await registry.metrics()
    response.writeHead(200, {'content-type': registry.contentType}).end(request.method === 'HEAD' ? undefined : body)
  } catch (error) {
    response.writeHead(500, {'content-type': 'text/plain'}).end(`${error instanceof Error ? error.message : String(error)}\n`)
  }
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE')
    return usageError(
      `--metrics-port ${port}: ${host}:${port} is already in use`,
      'choose a free port for --metrics-port (or ELECTION_METRICS_PORT)',
    )
  if (code === 'EACCES') return usageError(`--metrics-port ${port}: not allowed to listen on ${host}:${port}`, 'use a port above 1023')
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return usageError(
      `--metrics-host ${host}: not an address of this machine (${code})`,
      'use 127.0.0.1 (the default), or 0.0.0.0 for every interface',
    )
  }
  return error instanceof Error ? error : new Error(String(error))
}
