import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {runJson} from '../../helpers/cli.js'

describe('docker-compose.yml: the CLI with its defaults', () => {
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
