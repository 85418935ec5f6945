import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'

import {runCli, runJson} from '../helpers/cli.js'
import {freshEnv, type TestEnv} from '../helpers/services.js'
import {election, ok, sql} from '../helpers/pipeline.js'
import type {Difference, VerifyResult} from '../../src/commands/verify.js'

describe('election verify', () => {
  let t: TestEnv
  let empty: TestEnv
  before(async () => {
    ;[t, empty] = await Promise.all([freshEnv(), freshEnv()])
    await Promise.all([election(t, 200).then(() => ok(t, 'aggregate', '--exit-when-idle', '2s')), ok(empty, 'init-db')])
  })
  after(async () => Promise.all([t?.drop(), empty?.drop()]))

  it('an empty election verifies', async () => {
    const {code, json, stderr} = await runJson<VerifyResult>(['verify'], empty.env)
    assert.equal(code, 0, stderr)
    assert.equal(json.ok, true)
    assert.equal(json.votes, 0)
    assert.deepEqual(json.differences, [])
  })

  it('--json: exit 0, ok, and every dimension adds up to the votes', async () => {
    const {code, json, stderr} = await runJson<VerifyResult>(['verify'], t.env)
    assert.equal(code, 0, stderr)
    assert.deepEqual(Object.keys(json).sort(), ['differences', 'dimensions', 'ok', 'publishedCandidateTotal', 'votes'])
    assert.equal(json.ok, true, JSON.stringify(json.differences))
    assert.equal(json.votes, 200)
    assert.equal(json.publishedCandidateTotal, 200)
    assert.deepEqual(json.differences, [])
    assert.deepEqual(Object.keys(json.dimensions).sort(), ['age', 'candidate', 'gender', 'location', 'location_candidate', 'party'])
    for (const [dimension, d] of Object.entries(json.dimensions)) {
      assert.equal(d.expectedTotal, 200, dimension)
      assert.equal(d.publishedTotal, 200, dimension)
      assert.ok(d.keys > 0, dimension)
    }
    assert.equal(json.dimensions.candidate.keys, 3)
    assert.equal(json.dimensions.party.keys, 3)
    assert.ok(json.dimensions.location_candidate.keys > json.dimensions.location.keys, 'several candidates per region')
  })

  it('without --json: a table on stdout and OK on stderr, with no colour codes when piped', async () => {
    const result = await ok(t, 'verify')
    for (const dimension of ['candidate', 'location', 'gender', 'age', 'party', 'location_candidate'])
      assert.match(result.stdout, new RegExp(dimension))
    assert.ok(!result.stdout.includes('\x1b['), 'cli-table3 coloured the header and borders of a piped table')
    assert.match(result.stderr, /OK: 200 votes/)
  })

  it('fails with exit 1 and lists the differences when Postgres changes behind the aggregates', async () => {
    const [candidate] = await sql<{candidate_id: string; party_affiliation: string}>(
      t,
      'SELECT candidate_id, party_affiliation FROM candidates ORDER BY candidate_id LIMIT 1',
    )
    const before = (
      await sql<{n: number}>(t, 'SELECT count(*)::int AS n FROM votes WHERE candidate_id = $1', [candidate!.candidate_id])
    )[0]!.n
    const voter = randomUUID()
    await sql(
      t,
      'INSERT INTO voters (voter_id, voter_name, date_of_birth, gender, address_state, registered_age) ' +
        "VALUES ($1, 'Late Voter', '1990-01-01', 'nonbinary', 'Testshire', 36)",
      [voter],
    )
    await sql(t, `INSERT INTO votes (voter_id, candidate_id, voting_time, vote) VALUES ($1, $2, now(), 1)`, [
      voter,
      candidate!.candidate_id,
    ])

    const [{code, json}, human] = await Promise.all([runJson<VerifyResult>(['verify'], t.env), runCli(['verify'], t.env)])
    assert.equal(code, 1)
    assert.equal(json.ok, false)
    assert.equal(json.votes, 201)
    const find = (dimension: Difference['dimension'], key: string) =>
      json.differences.find((d) => d.dimension === dimension && d.key === key)
    assert.deepEqual(find('candidate', candidate!.candidate_id), {
      dimension: 'candidate',
      key: candidate!.candidate_id,
      expected: before + 1,
      published: before,
    })
    assert.deepEqual(find('location', 'Testshire'), {dimension: 'location', key: 'Testshire', expected: 1, published: 0})
    assert.deepEqual(find('gender', 'nonbinary'), {dimension: 'gender', key: 'nonbinary', expected: 1, published: 0})
    assert.ok(find('party', candidate!.party_affiliation), 'the party total differs')
    assert.ok(find('age', '35-44'), 'the age band total differs')
    assert.deepEqual(find('location_candidate', `Testshire|${candidate!.candidate_id}`), {
      dimension: 'location_candidate',
      key: `Testshire|${candidate!.candidate_id}`,
      expected: 1,
      published: 0,
    })

    assert.equal(human.code, 1, human.stderr)
    assert.match(human.stderr, /aggregate values differ/)
    assert.match(human.stdout, /Testshire/)
    assert.doesNotMatch(human.stderr, /\n\s+at /, 'no stack trace')
  })
})
