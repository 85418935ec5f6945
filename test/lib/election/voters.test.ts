import assert from 'node:assert/strict'

import {ADDRESS_SELECT, insertVoters, VOTER_FIELDS_SELECT, type Voter} from '../../../src/lib/election/voters.js'
import {VoterFactory} from '../../../src/lib/generate/voters.js'
import {freshTables, type Tables} from '../../helpers/services.js'

/** insertVoters against a real Postgres: the column arrays that carry a batch hold any text exactly. */
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

  it('stores every field as generated, quotes, backslashes, braces, commas and all', async () => {
    const awkward = ['"', '\\', '\\"', '{}', 'a,b', 'NULL', ' padded ', "O'Brien", 'Zoë 東京 🗳', '', '"{\\,}"']
    const voters = awkward.map((text, i) => {
      const voter = new VoterFactory(11, 'en_GB').voter(i)
      return {...voter, voter_name: text, address: {...voter.address, street: `${text}${i}`, postcode: text}}
    })
    const generated = Array.from({length: 500}, (_, i) => new VoterFactory(12, 'en_US').voter(i))
    const batch = [...voters, ...generated]
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
})
