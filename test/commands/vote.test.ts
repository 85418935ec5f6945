import assert from 'node:assert/strict'

import {VoterFactory} from '../../src/lib/generate/voters.js'
import {createKafka} from '../../src/lib/kafka/client.js'
import {topicNames} from '../../src/lib/kafka/topics.js'
import {runCli, runJson} from '../helpers/cli.js'
import {logLikelihoodRatio, modelChoice} from '../helpers/preferences.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import type {VoteStats} from '../../src/commands/vote.js'
import {allOf, assertCleanError, assertJsonError, count, ok, readTopic, sql} from '../helpers/pipeline.js'

/** voter_id -> candidate_id of every stored vote. */
async function choices(t: TestEnv): Promise<Map<string, string>> {
  const rows = await sql<{voter_id: string; candidate_id: string}>(t, 'SELECT voter_id, candidate_id FROM votes')
  return new Map(rows.map((r) => [r.voter_id, r.candidate_id]))
}

/** init-db, seed-candidates and register-voters (default seeds). */
async function prepare(t: TestEnv, voters: number, options: {candidates?: boolean} = {}): Promise<void> {
  await ok(t, 'init-db')
  await Promise.all([
    options.candidates === false ? undefined : ok(t, 'seed-candidates'),
    voters > 0 ? ok(t, 'register-voters', '--count', String(voters)) : undefined,
  ])
}

/**
 * Every election of this file, prepared at once the first time one is needed (the steps
 * mostly wait on Kafka and Postgres, so they overlap well); each describe drops its own.
 */
let prepared: Promise<Record<'a' | 'c' | 't' | 'm' | 'slow' | 'malformed' | 'swing', TestEnv>> | undefined
function elections() {
  prepared ??= (async () => {
    const [a, c, t, m, slow, malformed, swing] = await Promise.all([
      freshEnv(),
      freshEnv(),
      freshEnv(),
      freshEnv(),
      freshEnv(),
      freshEnv(),
      freshEnv(),
    ])
    await Promise.all([
      prepare(swing, 500),
      prepare(a, 500),
      prepare(c, 500),
      prepare(t, 500, {candidates: false}),
      prepare(m, 500),
      prepare(slow, 2000),
      prepare(malformed, 20),
    ])
    return {a, c, t, m, slow, malformed, swing}
  })()
  return prepared
}

describe('election vote', () => {
  // a: the election with default seeds; c: the same voters and candidates, vote --seed 8.
  // Every test of this describe looks at a's first vote, run once here.
  let a: TestEnv
  let c: TestEnv
  let first: {code: number | null; json: VoteStats; stderr: string}
  before(async () => {
    ;({a, c} = await elections())
    first = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s'], a.env)
  })
  after(async () => Promise.all([a, c].map((t) => t?.drop())))

  it('casts one vote per registered voter and exits 0 when idle', async () => {
    const {code, json, stderr} = first
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), ['deadLettered', 'newVotes', 'seconds', 'stopReason', 'votes', 'votesPerSecond'])
    assert.equal(json.votes, 500)
    assert.equal(json.newVotes, 500)
    assert.equal(json.deadLettered, 0)
    assert.equal(json.stopReason, 'idle')
    assert.ok(json.seconds > 0 && json.votesPerSecond > 0, JSON.stringify(json))
    assert.equal(await count(a, 'votes'), 500)
    assert.equal((await sql<{n: number}>(a, 'SELECT count(*)::int AS n FROM votes JOIN voters USING (voter_id)'))[0]!.n, 500)
  })

  it('publishes exactly one committed record per voter on votes_topic, in the reference shape', async () => {
    assert.equal(first.code, 0, first.stderr)
    const records = await readTopic(a, topicNames(a.env).votes)
    assert.equal(records.length, 500)
    const voters = new Map(
      (await sql(a, `SELECT *, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM voters`)).map((v) => [v.voter_id as string, v]),
    )
    const candidates = new Map((await sql(a, 'SELECT * FROM candidates')).map((c) => [c.candidate_id as string, c]))
    const votes = new Map(
      (
        await sql<{voter_id: string; candidate_id: string; t: string; vote: number}>(
          a,
          `SELECT voter_id, candidate_id, vote, to_char(voting_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t FROM votes`,
        )
      ).map((v) => [v.voter_id, v]),
    )
    const seen = new Set<string>()
    for (const record of records) {
      const v = JSON.parse(record.value!) as Record<string, unknown> & {address: Record<string, unknown>}
      const id = v.voter_id as string
      assert.equal(record.key, id, 'keyed by voter_id')
      assert.ok(!seen.has(id), `two records for voter ${id}`)
      seen.add(id)
      const voter = voters.get(id)
      assert.ok(voter, `record for unknown voter ${id}`)
      for (const field of [
        'voter_name',
        'date_of_birth',
        'gender',
        'nationality',
        'registration_number',
        'email',
        'phone_number',
        'cell_number',
        'picture',
        'registered_age',
      ]) {
        assert.deepEqual(v[field], voter[field], `${field} of ${id}`)
      }
      assert.deepEqual(v.address, {
        street: voter.address_street,
        city: voter.address_city,
        state: voter.address_state,
        country: voter.address_country,
        postcode: voter.address_postcode,
      })
      assert.ok(!Object.keys(v).some((k) => k.startsWith('address_')), `flattened address fields in ${Object.keys(v).join(', ')}`)
      const stored = votes.get(id)!
      assert.equal(v.candidate_id, stored.candidate_id)
      const candidate = candidates.get(stored.candidate_id)!
      for (const field of ['candidate_name', 'party_affiliation', 'photo_url'])
        assert.equal(v[field], candidate[field], `${field} of ${id}`)
      assert.equal(v.voting_time, stored.t)
      assert.ok(!Number.isNaN(Date.parse(v.voting_time as string)))
      assert.equal(v.vote, 1)
    }
    assert.equal(seen.size, 500)
  })

  it('chooses with seeded, non-uniform preferences: a function of (seed, voter), another seed gives other choices', async () => {
    const other = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s', '--seed', '8'], c.env)
    assert.equal(other.code, 0, other.stderr)
    assert.equal(other.json.votes, 500)
    const [choicesA, choicesC] = await Promise.all([choices(a), choices(c)])
    assert.equal(choicesA.size, 500)
    const changed = [...choicesA].filter(([voter, candidate]) => choicesC.get(voter) !== candidate).length
    assert.ok(changed > 25, `only ${changed} of 500 choices changed with --seed 8`)

    // Deterministic: every voter's choice is the seeded preference for their region and age,
    // so the same seed gives the same choices in any database, on any run. The expected
    // choices come from the model written out in test/helpers/preferences.ts, not the product's code.
    const ids = (await sql<{candidate_id: string}>(a, 'SELECT candidate_id FROM candidates ORDER BY candidate_id')).map(
      (r) => r.candidate_id,
    )
    const voters = await sql<{voter_id: string; address_state: string; registered_age: number}>(
      a,
      'SELECT voter_id, address_state, registered_age FROM voters',
    )
    assert.equal(voters.length, 500)
    for (const [seed, chosen] of [
      [42, choicesA],
      [8, choicesC],
    ] as const) {
      const mismatches = voters.filter(
        (v) => chosen.get(v.voter_id) !== ids[modelChoice(ids, seed, v.voter_id, v.address_state, v.registered_age)],
      )
      assert.equal(mismatches.length, 0, `seed ${seed}: ${mismatches.length} voters did not get their seeded choice`)
    }

    // Drawn from the model's regional and age preferences, not uniformly: the stored choices are
    // e^20 times likelier under the model than under a uniform pick (uniform picks score below 0).
    const llr = logLikelihoodRatio(
      ids,
      42,
      voters.map((v) => ({region: v.address_state, age: v.registered_age, chosen: ids.indexOf(choicesA.get(v.voter_id)!)})),
    )
    assert.ok(llr > 20, `choices are not drawn from the preference model: log-likelihood ratio against uniform ${llr.toFixed(1)}`)
  })

  it("--swing: each choice follows the model at its voters_topic record's offset, so a retry chooses the same", async () => {
    const {swing} = await elections()
    try {
      const result = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s', '--swing'], swing.env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.json.votes, 500)
      const ids = (await sql<{candidate_id: string}>(swing, 'SELECT candidate_id FROM candidates ORDER BY candidate_id')).map(
        (r) => r.candidate_id,
      )
      const chosen = await choices(swing)
      const records = await readTopic(swing, topicNames(swing.env).voters)
      assert.equal(records.length, 500)
      let moved = 0
      for (const r of records) {
        const v = JSON.parse(r.value!) as {voter_id: string; registered_age: number; address: {state: string}}
        const expected = ids[modelChoice(ids, 42, v.voter_id, v.address.state, v.registered_age, r.offset)]
        assert.equal(chosen.get(v.voter_id), expected, `voter ${v.voter_id} at offset ${r.offset}`)
        if (expected !== ids[modelChoice(ids, 42, v.voter_id, v.address.state, v.registered_age)]) moved++
      }
      assert.ok(moved > 0, 'no choice differs from the still model: the offsets did not reach the chooser')
    } finally {
      await swing.drop()
    }
  })

  it('with every voter voted, exits 0 reporting 0 votes and publishes nothing', async () => {
    assert.equal(first.json.votes, 500, 'every voter voted')
    const {code, json, stderr} = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s'], a.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.votes, 0)
    assert.equal(json.newVotes, 0)
    assert.equal(json.stopReason, 'idle')
    assert.equal(await count(a, 'votes'), 500)
    assert.equal((await readTopic(a, topicNames(a.env).votes)).length, 500)
  })
})

describe('election vote: no candidates, --max-votes and --rate', () => {
  let t: TestEnv
  let m: TestEnv
  let slow: TestEnv
  before(async () => {
    ;({t, m, slow} = await elections())
  })
  after(async () => Promise.all([t?.drop(), m?.drop(), slow?.drop()]))

  it('with no candidates, fails with exit 3 saying so', async () => {
    const [human, json] = await Promise.all([
      runCli(['vote', '--exit-when-idle', '2s'], t.env),
      runCli(['vote', '--exit-when-idle', '2s', '--json'], t.env),
    ])
    assertCleanError(human, 3, /no candidates/)
    assertJsonError(json, 3, /no candidates/)
    assert.equal(await count(t, 'votes'), 0)
    assert.deepEqual(await readTopic(t, topicNames(t.env).votes), [])
  })

  it('--max-votes 100 stops at exactly 100 votes; a later run casts the remaining votes, once each', async () => {
    const {code, json, stderr} = await runJson<VoteStats>(['vote', '--max-votes', '100'], m.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.stopReason, 'max')
    assert.equal(await count(m, 'votes'), json.votes, 'reported votes match the votes table')
    assert.equal(json.votes, 100, `--max-votes 100 cast ${json.votes} votes`)
    assert.equal((await readTopic(m, topicNames(m.env).votes)).length, 100)

    const rest = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s'], m.env)
    assert.equal(rest.code, 0, rest.stderr)
    assert.equal(rest.json.newVotes, 400)
    assert.equal(await count(m, 'votes'), 500)
    const records = await readTopic(m, topicNames(m.env).votes)
    assert.equal(new Set(records.map((r) => r.key)).size, 500)
    assert.equal(records.length, 500, 'one record per voter')
  })

  // The rate itself is proven on a fake clock (test/lib/vote/rate.unit.test.ts); here only what
  // a run can show whatever the machine's load: --duration ends it, and it never outruns --rate.
  it('--rate 200 --duration 2s stops on the duration, within the rate, every vote stored and published once', async () => {
    const {code, json, stderr} = await runJson<VoteStats>(['vote', '--rate', '200', '--duration', '2s'], slow.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.stopReason, 'duration')
    assert.equal(await count(slow, 'votes'), json.votes, 'reported votes match the votes table')
    const records = await readTopic(slow, topicNames(slow.env).votes)
    assert.equal(records.length, json.votes, 'one committed record per stored vote')
    assert.equal(new Set(records.map((r) => r.key)).size, json.votes)
    // The bucket starts empty: at most 200 votes per second of the run it reports (plus one chunk).
    assert.ok(json.votes <= 200 * json.seconds + 20, `${json.votes} votes in ${json.seconds} s at --rate 200`)
    assert.ok(json.votes < 2000, 'not every voter voted: the run was cut short')
  })
})

describe('election vote: bad input, and malformed records on voters_topic', () => {
  let t: TestEnv
  before(async () => {
    t = (await elections()).malformed
  })
  after(async () => t?.drop())

  it('refuses bad flags with one clear line (flag and value named), writing nothing', async () => {
    const cases = [
      {args: ['--rate', '0'], mentions: [/--rate/, /\b0\b/]},
      {args: ['--rate', '-5'], mentions: [/--rate/, /-5/]},
      {args: ['--rate', 'abc'], mentions: [/--rate/, /abc/]},
      {args: ['--exit-when-idle', 'banana'], mentions: [/--exit-when-idle/, /banana/]},
      {args: ['--duration', '0s'], mentions: [/duration/, /0s/]},
      {args: ['--max-votes', '0'], mentions: [/--max-votes/, /\b0\b/]},
      // Beyond a Node timer's 2^31-1 ms (~596 h) the run used to stop at once with exit 0.
      {args: ['--duration', '600h'], mentions: [/--duration/, /600h/, /at most 500h/]},
      {args: ['--exit-when-idle', '600h', '--duration', '5s'], mentions: [/--exit-when-idle/, /600h/]},
      // Outside the brokers' default limits the group join failed later, exit 4.
      {args: ['--session-timeout', '1s'], mentions: [/--session-timeout/, /1s/, /6s to 30m/]},
      {args: ['--session-timeout', '31m'], mentions: [/--session-timeout/, /31m/]},
      {args: ['--bogus'], mentions: [/--bogus/]},
    ]
    const results = await Promise.all([
      ...cases.map((c) => runCli(['vote', ...c.args], t.env)),
      runCli(['vote', '--rate', '0', '--json'], t.env),
      runCli(['vote', '--exit-when-idle', 'banana', '--json'], t.env),
      runCli(['vote', '--session-timeout', '1s', '--json'], t.env),
    ])
    assert.equal(await count(t, 'votes'), 0)
    assert.deepEqual(await readTopic(t, topicNames(t.env).votes), [])
    allOf([
      ...cases.map((c, i): [string, () => void] => [`vote ${c.args.join(' ')}`, () => assertCleanError(results[i]!, 2, ...c.mentions)]),
      ['vote --rate 0 --json', () => assertJsonError(results[cases.length]!, 2, /--rate/, /\b0\b/)],
      ['vote --exit-when-idle banana --json', () => assertJsonError(results[cases.length + 1]!, 2, /--exit-when-idle/, /banana/)],
      ['vote --session-timeout 1s --json', () => assertJsonError(results[cases.length + 2]!, 2, /--session-timeout/, /1s/)],
    ])
  })

  it('dead-letters a non-JSON record, one missing fields and an unknown voter, with a reason, and votes for everyone else', async () => {
    const stranger = new VoterFactory(999, 'en_GB').voter(0) // valid shape, not in Postgres
    const bad = [
      {key: 'not-json', value: 'this is {not JSON'},
      {key: 'missing-fields', value: JSON.stringify({voter_id: 'missing-fields', voter_name: 'No Address'})},
      {key: stranger.voter_id, value: JSON.stringify(stranger)},
    ]
    const producer = createKafka(t.settings.kafka).producer()
    await producer.connect()
    await producer.send({topic: topicNames(t.env).voters, acks: -1, messages: bad})
    await producer.disconnect()

    const {code, json, stderr} = await runJson<VoteStats>(['vote', '--exit-when-idle', '2s'], t.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.votes, 20)
    assert.equal(json.deadLettered, 3)
    assert.equal(await count(t, 'votes'), 20)
    const dead = await readTopic(t, topicNames(t.env).deadLetter)
    assert.equal(dead.length, 3)
    assert.deepEqual(dead.map((r) => r.value).sort(), bad.map((b) => b.value).sort(), 'the records as they came')
    for (const r of dead) {
      assert.ok(r.headers.reason && r.headers.reason.length > 3, `reason header: ${JSON.stringify(r.headers)}`)
      assert.equal(r.headers.source_topic, topicNames(t.env).voters)
    }
    const reason = (value: string) => dead.find((r) => r.value === value)!.headers.reason!
    assert.match(reason(bad[0]!.value), /JSON/i)
    assert.match(reason(bad[1]!.value), /field|address|missing|required/i)
    assert.match(reason(bad[2]!.value), /unknown voter|not in/i)
    assert.equal((await readTopic(t, topicNames(t.env).votes)).length, 20)
  })
})
