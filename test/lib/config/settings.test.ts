import assert from 'node:assert/strict'

import {runCli} from '../../helpers/cli.js'
import {allOf, assertCleanError, assertJsonError, tablesIn} from '../../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

describe('configuration errors through the CLI (real services)', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
  })
  after(async () => t?.drop())

  it(
    'a malformed DATABASE_URL or --database-url, or an unreadable KAFKA_SSL_CA_FILE: ' + 'exit 2 naming it, no password, nothing created',
    async () => {
      const malformed = 'postgres://alice:hunter2@127.0.0.1:port/election'
      const caFile = {...t.env, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem'}
      const [env, json, flag, ca] = await Promise.all([
        runCli(['init-db'], {...t.env, DATABASE_URL: malformed}),
        runCli(['verify', '--json'], {...t.env, DATABASE_URL: malformed}),
        runCli(['init-db', '--database-url', malformed], t.env),
        runCli(['init-db'], caFile),
      ])
      allOf([
        [
          'DATABASE_URL',
          () => {
            assertCleanError(env, 2, /DATABASE_URL is not a valid URL/)
            assert.match(env.stderr, /Try: use postgres:\/\/user@host:5432\/database/, 'a hint the redaction leaves readable')
          },
        ],
        ['DATABASE_URL --json', () => void assertJsonError(json, 2, /DATABASE_URL is not a valid URL/)],
        ['--database-url', () => assertCleanError(flag, 2, /--database-url is not a valid URL/)],
        ['KAFKA_SSL_CA_FILE', () => assertCleanError(ca, 2, /KAFKA_SSL_CA_FILE/, /\/nonexistent\/ca\.pem/)],
        ['no password', () => assert.ok(![env, json, flag].some((r) => (r.stdout + r.stderr).includes('hunter2')))],
      ])
      assert.deepEqual(await tablesIn(t), [])
    },
  )
})
