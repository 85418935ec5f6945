import assert from 'node:assert/strict'

import {isUniqueViolationOn} from '../../../src/lib/db/new-rows.js'
import {ADDRESS_SELECT, copyVoters, insertVoters, VOTER_FIELDS_SELECT, type Voter} from '../../../src/lib/election/voters.js'
import {VoterFactory} from '../../../src/lib/generate/voters.js'
import {freshTables, type Tables} from '../../helpers/services.js'

/** insertVoters and copyVoters against a real Postgres: the column arrays and the COPY text that carry a batch hold any text exactly. */
describe('voters: storing a batch', () => {
  let tables: Tables | undefined
  before(async () => {
    tables = await freshTables()
  })
  after(async () => {
    await tables?.drop()
  })

  const readBack = async (ids: string[]) => {
    // As a vote's record reads its voter (castVotes): the record's fields, the address nested.
    const {rows} = await tables!.pool.query<{voter: Voter}>(
      `SELECT row_to_json(r) AS voter FROM voters v CROSS JOIN LATERAL (SELECT ${VOTER_FIELDS_SELECT}, ${ADDRESS_SELECT}) r
       WHERE v.voter_id = ANY($1) ORDER BY array_position($1, v.voter_id)`,
      [ids],
    )
    return rows.map((r) => r.voter)
  }

  // Both ways in: insertVoters' column arrays and copyVoters' COPY text, each with its own escaping.
  const awkward = [
    '"',
    '\\',
    '\\"',
    '{}',
    'a,b',
    'NULL',
    '\\N',
    ' padded ',
    "O'Brien",
    'Zoë 東京 🗳',
    '',
    '"{\\,}"',
    'tab\there',
    'two\nlines',
    'cr\r',
    '\\t',
  ]
  const awkwardBatch = (seed: number) => {
    const voters = awkward.map((text, i) => {
      const voter = new VoterFactory(seed, 'en_GB').voter(i)
      return {...voter, voter_name: text, address: {...voter.address, street: `${text}${i}`, postcode: text}}
    })
    return [...voters, ...Array.from({length: 500}, (_, i) => new VoterFactory(seed + 1, 'en_US').voter(i))]
  }

  it('insertVoters stores every field as generated, quotes, backslashes, braces, commas and all', async () => {
    const batch = awkwardBatch(11)
    const client = await tables!.pool.connect()
    try {
      assert.equal((await insertVoters(client, batch)).size, batch.length)
      // Again: every voter is there already, none is inserted twice.
      assert.equal((await insertVoters(client, batch)).size, 0)
    } finally {
      client.release()
    }
    assert.deepEqual(await readBack(batch.map((v) => v.voter_id)), batch)
  })

  it('copyVoters stores every field as generated, tabs, newlines, backslashes and "\\N" too', async () => {
    const batch = awkwardBatch(21)
    const client = await tables!.pool.connect()
    try {
      assert.deepEqual(
        [...(await copyVoters(client, batch))],
        batch.map((v) => v.voter_id),
      )
    } finally {
      client.release()
    }
    assert.deepEqual(await readBack(batch.map((v) => v.voter_id)), batch)
  })

  it('copyVoters refuses a batch holding a voter already there as a whole: a unique violation on voters, nothing stored', async () => {
    const stored = new VoterFactory(31, 'en_GB').voter(0)
    const fresh = Array.from({length: 3}, (_, i) => new VoterFactory(32, 'en_GB').voter(i))
    const client = await tables!.pool.connect()
    try {
      await copyVoters(client, [stored])
      await client.query('BEGIN')
      const error = await copyVoters(client, [fresh[0]!, stored, fresh[1]!, fresh[2]!]).then(
        () => undefined,
        (e: unknown) => e,
      )
      await client.query('ROLLBACK')
      assert.ok(isUniqueViolationOn(error, 'voters'), `expected a unique violation on voters, got ${String(error)}`)
    } finally {
      client.release()
    }
    assert.deepEqual(await readBack([stored.voter_id, ...fresh.map((v) => v.voter_id)]), [stored])
  })
})
