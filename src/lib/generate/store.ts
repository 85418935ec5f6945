import type {Producer} from 'kafkajs'
import type pg from 'pg'

import type {Candidate} from './candidates.js'
import type {Voter} from './voters.js'

/** Inserts candidates that are not there yet; returns the ones inserted. Re-running inserts nothing. */
export async function insertCandidates(client: pg.ClientBase, candidates: Candidate[]): Promise<Candidate[]> {
  const column = <K extends keyof Candidate>(k: K) => candidates.map((c) => c[k])
  const {rows} = await client.query<{candidate_id: string}>(
    `INSERT INTO candidates (candidate_id, candidate_name, party_affiliation, biography, campaign_platform, photo_url)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     ON CONFLICT (candidate_id) DO NOTHING RETURNING candidate_id`,
    [column('candidate_id'), column('candidate_name'), column('party_affiliation'), column('biography'), column('campaign_platform'), column('photo_url')],
  )
  const inserted = new Set(rows.map((r) => r.candidate_id))
  return candidates.filter((c) => inserted.has(c.candidate_id))
}

const VOTER_COLUMNS = `voter_id, voter_name, date_of_birth, gender, nationality, registration_number, address_street, address_city,
  address_state, address_country, address_postcode, email, phone_number, cell_number, picture, registered_age`

/** One multi-row INSERT per batch (unnest of column arrays); existing voters are skipped. */
export async function insertVoters(client: pg.ClientBase, voters: Voter[]): Promise<Set<string>> {
  const col = (pick: (v: Voter) => unknown) => voters.map(pick)
  const {rows} = await client.query<{voter_id: string}>(
    `INSERT INTO voters (${VOTER_COLUMNS})
     SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                          $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int[])
     ON CONFLICT (voter_id) DO NOTHING RETURNING voter_id`,
    [
      col((v) => v.voter_id), col((v) => v.voter_name), col((v) => v.date_of_birth), col((v) => v.gender),
      col((v) => v.nationality), col((v) => v.registration_number), col((v) => v.address.street), col((v) => v.address.city),
      col((v) => v.address.state), col((v) => v.address.country), col((v) => v.address.postcode), col((v) => v.email),
      col((v) => v.phone_number), col((v) => v.cell_number), col((v) => v.picture), col((v) => v.registered_age),
    ],
  )
  return new Set(rows.map((r) => r.voter_id))
}

export async function publishKeyed<T>(producer: Producer, topic: string, items: T[], key: (item: T) => string): Promise<void> {
  if (items.length === 0) return
  await producer.send({topic, acks: -1, messages: items.map((item) => ({key: key(item), value: JSON.stringify(item)}))})
}
