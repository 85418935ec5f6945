import assert from 'node:assert/strict'

import {createKafka} from '../../src/lib/kafka/client.js'
import {AGGREGATE_TOPICS, BASE_TOPICS, MAX_NAMESPACE_LENGTH, topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import {allOf, assertCleanError, assertJsonError, count, ok, sql, tablesIn, topicSize} from '../helpers/pipeline.js'
import type {InitResult} from '../../src/commands/init-db.js'

const TABLES = ['candidates', 'voters', 'votes', 'aggregator_counted_votes', 'aggregator_totals']

/** The namespace's topics with their partition counts. */
async function topicsIn(t: TestEnv): Promise<Map<string, number>> {
  const admin = createKafka(t.settings.kafka).admin()
  await admin.connect()
  try {
    const mine = (await admin.listTopics()).filter((name) => name.startsWith(t.namespace))
    if (mine.length === 0) return new Map()
    const {topics} = await admin.fetchTopicMetadata({topics: mine})
    return new Map(topics.map((m) => [m.name, m.partitions.length]))
  } finally {
    await admin.disconnect()
  }
}

/** The commands that need the election's tables and topics (the dashboard shows whatever there is). */
const NEED_THE_ELECTION = [
  ['seed-candidates'],
  ['register-voters', '--count', '5'],
  ['vote', '--exit-when-idle', '2s'],
  ['aggregate', '--exit-when-idle', '2s'],
  ['verify'],
]

describe('election init-db', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
  })
  after(async () => t?.drop())

  it('creates the tables and the namespaced topics and says so', async () => {
    const {code, json, stderr} = await runJson<InitResult>(['init-db'], t.env)
    assert.equal(code, 0, stderr)
    const names = topicNames(t.env)
    const expectedTopics = [names.candidates, names.voters, names.votes, names.deadLetter, ...Object.values(names.aggregates)]
    assert.deepEqual(json, {
      reset: false,
      createdTables: json.createdTables,
      addedColumns: [],
      createdTopics: json.createdTopics,
      changed: true,
    })
    assert.deepEqual([...json.createdTables].sort(), [...TABLES].sort())
    assert.deepEqual([...json.createdTopics].sort(), [...expectedTopics].sort())
    assert.deepEqual(await tablesIn(t), [...TABLES].sort())
    const topics = await topicsIn(t)
    assert.deepEqual([...topics.keys()].sort(), [...expectedTopics].sort())
    for (const topic of [names.candidates, names.voters, names.votes]) assert.equal(topics.get(topic), 6, `${topic} partitions`)
    for (const topic of Object.values(names.aggregates)) assert.equal(topics.get(topic), 1, `${topic} partitions`)
  })

  it('is idempotent: a second run creates nothing and reports changed=false', async () => {
    const topicsBefore = await topicsIn(t)
    const [{code, json, stderr}, human] = await Promise.all([runJson<InitResult>(['init-db'], t.env), ok(t, 'init-db')])
    assert.equal(code, 0, stderr)
    assert.deepEqual(json, {reset: false, createdTables: [], addedColumns: [], createdTopics: [], changed: false})
    assert.match(human.stderr, /nothing changed/i)
    assert.deepEqual(await tablesIn(t), [...TABLES].sort())
    assert.deepEqual(await topicsIn(t), topicsBefore)
  })

  it('--reset without --force and without a TTY refuses, names --force and leaves the data alone', async () => {
    await Promise.all([ok(t, 'seed-candidates'), ok(t, 'register-voters', '--count', '20')])
    const [human, json] = await Promise.all([runCli(['init-db', '--reset'], t.env), runCli(['init-db', '--reset', '--json'], t.env)])
    assertCleanError(human, 2, /--force/)
    assertJsonError(json, 2, /--force/)
    assert.equal(await count(t, 'candidates'), 3)
    assert.equal(await count(t, 'voters'), 20)
    assert.equal(await topicSize(t, topicNames(t.env).candidates), 3)
    assert.equal(await topicSize(t, topicNames(t.env).voters), 20)
  })

  it('--reset --force drops everything and creates it again, empty', async () => {
    const {code, json, stderr} = await runJson<InitResult>(['init-db', '--reset', '--force'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.reset, true)
    assert.equal(json.changed, true)
    assert.deepEqual([...json.createdTables].sort(), [...TABLES].sort())
    assert.equal(json.createdTopics.length, Object.keys(BASE_TOPICS).length + Object.keys(AGGREGATE_TOPICS).length)
    for (const table of TABLES) assert.equal(await count(t, table), 0, `${table} is empty`)
    assert.equal(await topicSize(t, topicNames(t.env).candidates), 0)
    assert.equal(await topicSize(t, topicNames(t.env).voters), 0)
    // And the pipeline starts over on it.
    const seeded = await runJson<{inserted: number}>(['seed-candidates'], t.env)
    assert.equal(seeded.json.inserted, 3)
  })

  it('older tables: vote and aggregate refuse, naming init-db; init-db adds the columns and keeps the rows', async () => {
    const other = await freshEnv()
    try {
      assert.equal((await runCli(['init-db'], other.env)).code, 0)
      await Promise.all([ok(other, 'seed-candidates'), ok(other, 'register-voters', '--count', '20')])
      // The votes table as versions before the voter's facts were copied into it created it.
      await sql(other, 'ALTER TABLE votes DROP COLUMN address_state, DROP COLUMN gender, DROP COLUMN registered_age')
      const [vote, aggregate, verify] = await Promise.all([
        runCli(['vote', '--exit-when-idle', '2s'], other.env),
        runCli(['aggregate', '--exit-when-idle', '2s', '--json'], other.env),
        runCli(['verify', '--json'], other.env), // the commands that do not need the columns work on
      ])
      allOf([
        ['vote', () => assertCleanError(vote, 3, /votes\.address_state, votes\.gender, votes\.registered_age/, /run `election init-db`/)],
        ['aggregate --json', () => void assertJsonError(aggregate, 3, /columns missing/, /run `election init-db`/)],
        ['verify --json', () => assert.equal(verify.code, 0, verify.stderr)],
      ])
      assert.equal(await count(other, 'votes'), 0, 'no vote stored')
      const upgrade = await runJson<InitResult>(['init-db'], other.env)
      const again = await runCli(['init-db'], other.env)
      assert.equal(upgrade.code, 0, upgrade.stderr)
      assert.deepEqual(upgrade.json.addedColumns, ['votes.address_state', 'votes.gender', 'votes.registered_age'])
      assert.equal(upgrade.json.changed, true)
      assert.match(again.stderr, /nothing changed/i, 'a second run has nothing to add')
      assert.equal(await count(other, 'voters'), 20, 'the rows are kept')
      await ok(other, 'vote', '--exit-when-idle', '2s')
      assert.equal(await count(other, 'votes'), 20)
    } finally {
      await other.drop()
    }
  })

  it('--partitions is honoured for new topics and bounded', async () => {
    const other = await freshEnv()
    try {
      const [created, zero] = await Promise.all([
        runJson<InitResult>(['init-db', '--partitions', '2'], other.env),
        runCli(['init-db', '--partitions', '0'], t.env),
      ])
      assert.equal(created.code, 0, created.stderr)
      assert.equal((await topicsIn(other)).get(topicNames(other.env).votes), 2)
      assertCleanError(zero, 2, /--partitions/, /\b0\b/)
    } finally {
      await other.drop()
    }
  })
})

describe('election init-db: what the cluster would refuse is refused first, creating nothing', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
  })
  after(async () => t?.drop())

  it('an illegal or too long ELECTION_NAMESPACE, or --replication-factor above the broker count: exit 2 naming it', async () => {
    const namespaced = (ns: string) => ({...t.env, ELECTION_NAMESPACE: ns})
    const tooLong = `${t.namespace}${'x'.repeat(MAX_NAMESPACE_LENGTH + 1)}`
    const [chars, long, replication, json, reset] = await Promise.all([
      runCli(['init-db'], namespaced(`${t.namespace}bad/ns!`)),
      runCli(['init-db'], namespaced(tooLong)),
      runCli(['init-db', '--replication-factor', '3'], t.env),
      runCli(['init-db', '--replication-factor', '3', '--json'], t.env),
      runCli(['init-db', '--reset', '--force', '--replication-factor', '3'], t.env),
    ])
    allOf([
      ['ELECTION_NAMESPACE with "/" and "!"', () => assertCleanError(chars, 2, /ELECTION_NAMESPACE/, /"\/" "!"/)],
      ['ELECTION_NAMESPACE too long', () => assertCleanError(long, 2, /ELECTION_NAMESPACE/, new RegExp(`at most ${MAX_NAMESPACE_LENGTH}`))],
      ['--replication-factor 3', () => assertCleanError(replication, 2, /--replication-factor 3/, /1 broker\b/)],
      ['--replication-factor 3 --json', () => void assertJsonError(json, 2, /--replication-factor 3/)],
      ['--reset --replication-factor 3', () => assertCleanError(reset, 2, /--replication-factor 3/)],
    ])
    assert.deepEqual(await tablesIn(t), [], 'no tables')
    assert.deepEqual([...(await topicsIn(t)).keys()], [], 'no topics')
  })

  it('the namespace is checked by every command that names topics, before anything else', async () => {
    const env = {...t.env, ELECTION_NAMESPACE: 'a b'}
    const commands = [['seed-candidates'], ['register-voters'], ['vote'], ['aggregate'], ['verify'], ['dashboard', '--once']]
    const results = await Promise.all(commands.map((args) => runCli(args, env)))
    allOf(
      results.map((result, i): [string, () => void] => [
        `election ${commands[i]!.join(' ')}`,
        () => assertCleanError(result, 2, /ELECTION_NAMESPACE/, /" "/),
      ]),
    )
  })
})

describe('every command before init-db, and unreachable services', () => {
  let t: TestEnv
  let ready: TestEnv
  before(async () => {
    ;[t, ready] = await Promise.all([freshEnv(), freshEnv()])
    await ok(ready, 'init-db')
  })
  after(async () => Promise.all([t?.drop(), ready?.drop()]))

  it(
    'seed-candidates, register-voters, vote, aggregate and verify fail with exit 3 and ' + '"run `election init-db`", writing nothing',
    async () => {
      const commands = NEED_THE_ELECTION
      const [json, ...results] = await Promise.all([
        runCli(['vote', '--exit-when-idle', '2s', '--json'], t.env),
        ...commands.map((args) => runCli(args, t.env)),
      ])
      assert.deepEqual(await tablesIn(t), [])
      assert.deepEqual([...(await topicsIn(t)).keys()], [])
      allOf([
        ...results.map((result, i): [string, () => void] => [
          `election ${commands[i]!.join(' ')}`,
          () => assertCleanError(result, 3, /run `election init-db`/),
        ]),
        ['election vote --json', () => void assertJsonError(json, 3, /run `election init-db`/)],
      ])
    },
  )

  it(
    'with the tables but not the topics, every command that needs them fails at once ' +
      'with exit 3 and "run `election init-db`", writing nothing',
    async () => {
      const other = await freshEnv()
      try {
        // The tables, with the topics of another namespace: this one's are missing.
        const init = await runCli(['init-db'], {...other.env, ELECTION_NAMESPACE: `${other.namespace}other.`})
        assert.equal(init.code, 0, init.stderr)
        // The dashboard is left out: it shows whatever topics there are (test/lib/dashboard/cli.test.tsx).
        const commands = NEED_THE_ELECTION
        const [json, ...results] = await Promise.all([
          runCli(['register-voters', '--json'], other.env),
          ...commands.map((args) => runCli(args, other.env)),
        ])
        allOf([
          ...results.map((result, i): [string, () => void] => [
            `election ${commands[i]!.join(' ')}`,
            () => assertCleanError(result, 3, /topics missing/, /run `election init-db`/),
          ]),
          ['election register-voters --json', () => void assertJsonError(json, 3, /topics missing/, /run `election init-db`/)],
        ])
        assert.deepEqual([await count(other, 'candidates'), await count(other, 'voters')], [0, 0])
        assert.deepEqual(
          [...(await topicsIn(other)).keys()].filter((name) => !name.startsWith(`${other.namespace}other.`)),
          [],
          'no topic auto-created',
        )
      } finally {
        await other.drop()
      }
    },
  )

  it('fails within 30 s naming the broker when Kafka is unreachable (exit 4)', async () => {
    const env = (e: TestEnv) => ({...e.env, KAFKA_BROKERS: '127.0.0.1:1'})
    const started = Date.now()
    const [init, json] = await Promise.all([runCli(['init-db'], env(t)), runCli(['register-voters', '--count', '5', '--json'], env(ready))])
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
    assertCleanError(init, 4, /127\.0\.0\.1:1\b/)
    assertJsonError(json, 4, /127\.0\.0\.1:1\b/)
    assert.deepEqual(await tablesIn(t), [], 'init-db created nothing')
    assert.equal(await count(ready, 'voters'), 0)
  })

  it('fails within 30 s naming the address when Postgres is unreachable (exit 4)', async () => {
    const env = {...ready.env, DATABASE_URL: 'postgres://x@127.0.0.1:1/x'}
    const started = Date.now()
    const [seed, vote, json] = await Promise.all([
      runCli(['seed-candidates'], env),
      runCli(['vote', '--exit-when-idle', '2s'], env),
      runCli(['verify', '--json'], env),
    ])
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`)
    for (const result of [seed, vote]) assertCleanError(result, 4, /127\.0\.0\.1:1\b/)
    assertJsonError(json, 4, /127\.0\.0\.1:1\b/)
    assert.equal(await topicSize(ready, topicNames(ready.env).candidates), 0, 'seed-candidates published nothing')
  })
})
