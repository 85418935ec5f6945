import assert from 'node:assert/strict'

import type pg from 'pg'

import {createPool} from '../../../src/lib/db/pool.js'
import {createKafka} from '../../../src/lib/kafka/client.js'
import {topicNames} from '../../../src/lib/kafka/topics.js'
import {verify} from '../../../src/lib/verify/index.js'
import {election, ok, produce, readTopic, sql} from '../../helpers/pipeline.js'
import {freshEnv, type TestEnv} from '../../helpers/services.js'

/**
 * verify while votes still flow (demo --chaos runs it every few seconds): a vote counted and its
 * total published between verify's reads of Postgres and of the topics must not look like a
 * vote counted twice.
 */
describe('verify while votes flow', () => {
  let t: TestEnv
  before(async () => {
    t = await freshEnv()
    await election(t, 20)
    await ok(t, 'aggregate', '--exit-when-idle', '2s')
  })
  after(async () => t?.drop())

  it('never finds a total ahead of Postgres when a vote is counted and published during the check', async () => {
    const names = topicNames(t.env)
    const kafka = createKafka(t.settings.kafka)
    const admin = kafka.admin()
    await admin.connect()
    const pool = createPool(t.settings.postgres)
    try {
      // One more vote, as `vote` and `aggregate` would store and publish it, right after verify's first Postgres read.
      const [candidate] = await sql<{candidate_id: string}>(t, 'SELECT candidate_id FROM candidates ORDER BY 1 LIMIT 1')
      const published = (await readTopic(t, names.aggregates.candidate)).filter((r) => r.key === candidate!.candidate_id).at(-1)!
      const total = JSON.parse(published.value!) as {total_votes: number}
      const castAndPublish = async () => {
        await sql(
          t,
          `INSERT INTO voters (voter_id, voter_name, gender, address_state, registered_age) VALUES ('late', 'Late', 'female', 'Kent', 40)`,
        )
        await sql(t, `INSERT INTO votes (voter_id, candidate_id, voting_time) VALUES ('late', $1, now())`, [candidate!.candidate_id])
        await produce(t, names.aggregates.candidate, [
          {key: candidate!.candidate_id, value: JSON.stringify({...total, total_votes: total.total_votes + 1})},
        ])
      }
      let first = true
      const racing = new Proxy(pool, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver) as unknown
          return async (...args: Parameters<pg.Pool['query']>) => {
            const result = (await (target.query as (...a: unknown[]) => Promise<unknown>)(...args)) as unknown
            if (first) {
              first = false
              await castAndPublish()
            }
            return result
          }
        },
      })
      const result = await verify(racing, kafka, admin, names, t.namespace)
      const ahead = result.differences.filter((d) => d.dimension === 'candidate' && d.published > d.expected)
      assert.deepEqual(ahead, [], 'a total read after Postgres is ahead of it: it looks like a vote counted twice')
      assert.equal(first, false, 'the vote was cast during the check')
    } finally {
      await admin.disconnect()
      await pool.end()
    }
  })
})
