import assert from 'node:assert/strict'

import {DEFAULT_PARTIES, generateCandidates, partyNames} from '../../../src/lib/generate/candidates.js'

describe('generateCandidates', () => {
  it('is deterministic per seed and assigns the parties in turn', () => {
    const a = generateCandidates(5, ["O'Brien Party", 'Zoë ✨ Party'], 7)
    assert.deepEqual(generateCandidates(5, ["O'Brien Party", 'Zoë ✨ Party'], 7), a)
    assert.deepEqual(
      a.map((c) => c.party_affiliation),
      ["O'Brien Party", 'Zoë ✨ Party', "O'Brien Party", 'Zoë ✨ Party', "O'Brien Party"],
    )
    assert.notDeepEqual(
      generateCandidates(5, DEFAULT_PARTIES, 8).map((c) => c.candidate_id),
      generateCandidates(5, DEFAULT_PARTIES, 7).map((c) => c.candidate_id),
    )
    // The first candidates of a larger count are the same candidates.
    assert.deepEqual(generateCandidates(3, ["O'Brien Party", 'Zoë ✨ Party'], 7), a.slice(0, 3))
  })

  it('fills the reference fields', () => {
    const candidates = generateCandidates(10, DEFAULT_PARTIES, 42)
    assert.equal(new Set(candidates.map((c) => c.candidate_id)).size, 10)
    for (const c of candidates) {
      assert.match(c.candidate_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.match(c.candidate_name, /\S+ \S+/)
      assert.ok(DEFAULT_PARTIES.includes(c.party_affiliation))
      assert.ok(c.biography.startsWith(c.candidate_name))
      assert.ok(c.campaign_platform.length > 0)
      assert.match(c.photo_url, /^https:\/\/randomuser\.me\/api\/portraits\/(men|women)\/\d{1,2}\.jpg$/)
    }
  })
})

describe('partyNames (--parties)', () => {
  it('splits and trims the list', () => {
    assert.deepEqual(partyNames(' Green Party , Blue,,'), ['Green Party', 'Blue'])
  })

  it('refuses what Postgres cannot store, naming --parties: empty, NUL, more than 255 characters', () => {
    assert.throws(() => partyNames(' , '), {name: 'ElectionUsageError', message: /--parties is empty/})
    assert.throws(() => partyNames('Green\0Party'), {name: 'ElectionUsageError', message: /--parties has a NUL character/})
    assert.throws(() => partyNames(`Green,${'P'.repeat(256)}`), {
      name: 'ElectionUsageError',
      message: /--parties: a party name is 256 characters long, at most 255/,
    })
    // VARCHAR(255) counts characters, not bytes or UTF-16 units.
    assert.deepEqual(partyNames('✨'.repeat(255)), ['✨'.repeat(255)])
  })
})
