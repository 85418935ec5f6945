import assert from 'node:assert/strict'
import {readFile, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {composeFile} from '../../../src/lib/services/paths.js'
import {runJson} from '../../helpers/cli.js'

describe('docker-compose.yml', () => {
  it('publishes its ports on the loopback interface only', async () => {
    const compose = await readFile(composeFile, 'utf8')
    // Port entries are list items of digits, dots and colons ("127.0.0.1:9092:9092"), maybe with a comment.
    const published = [...compose.matchAll(/^\s+-\s+"?([\d.:]+)"?\s*(#.*)?$/gm)].map((m) => m[1]!)
    assert.ok(published.length >= 2, `ports found: ${published.join(', ')}`)
    for (const port of published) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${port} must be bound to 127.0.0.1`)
  })

  it('its Postgres password is never printed when the defaults are in use', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'election-defaults-'))
    try {
      const env: NodeJS.ProcessEnv = {...process.env, ELECTION_HOME: home}
      delete env.DATABASE_URL
      delete env.KAFKA_BROKERS
      const {json} = await runJson<{services: Array<{service: string; address: string}>}>(['services', 'status'], env)
      const postgres = json.services.find((s) => s.service === 'postgres')!
      assert.equal(postgres.address, 'postgres://election:*****@localhost:5433/election')
      assert.doesNotMatch(JSON.stringify(json), /election:election@/)
    } finally {
      await rm(home, {recursive: true, force: true})
    }
  })
})
