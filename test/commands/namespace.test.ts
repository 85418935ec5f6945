import assert from 'node:assert/strict'

import {AGGREGATE_TOPICS, BASE_TOPICS} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {assertCleanError} from '../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'

describe('--namespace beside ELECTION_NAMESPACE', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
  })
  after(async () => t?.drop())

  it('prefixes every topic with the flag, which wins over the variable', async () => {
    const flagged = `${t.namespace}flag.`
    const {code, json, stderr} = await runJson<{createdTopics: string[]}>(['init-db', '--namespace', flagged], {
      ...t.env,
      ELECTION_NAMESPACE: `${t.namespace}env.`,
    })
    assert.equal(code, 0, stderr)
    assert.equal(json.createdTopics.length, Object.keys(BASE_TOPICS).length + Object.keys(AGGREGATE_TOPICS).length)
    for (const topic of json.createdTopics) assert.ok(topic.startsWith(flagged), topic)
  })

  it('refuses an illegal namespace from the flag in one line naming it, before connecting', async () => {
    assertCleanError(await runCli(['verify', '--namespace', 'a b'], t.env), 2, /--namespace/, /" "/)
  })

  it('shows the variable beside the flag in --help', async () => {
    const help = await runCli(['verify', '--help'], t.env)
    assert.match(help.stdout, /--namespace=<value>\s+\[env: ELECTION_NAMESPACE\]/)
    assert.match(help.stdout, /\[env: KAFKA_BROKERS\]/)
    assert.match(help.stdout, /\[env: DATABASE_URL\]/)
  })
})
