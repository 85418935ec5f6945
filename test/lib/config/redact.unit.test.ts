import assert from 'node:assert/strict'

import {resolveSettings} from '../../../src/lib/config/settings.js'
import {redact, redactJson, redactUrl, rememberSecrets, urlSecrets} from '../../../src/lib/config/redact.js'

describe('secret redaction', () => {
  it('hides the password of a connection URL, alone or in free text', () => {
    assert.equal(redactUrl('postgres://alice:s3cr%40t@db:5432/election'), 'postgres://alice:*****@db:5432/election')
    assert.equal(redactUrl('postgres://alice@db/election'), 'postgres://alice@db/election')
    assert.equal(redactUrl('postgres://:pw@db/election'), 'postgres://:*****@db/election')
    // A raw `@` in the password: the authority ends at the last one.
    assert.equal(redactUrl('postgres://alice:p@ss@db/election'), 'postgres://alice:*****@db/election')
    assert.equal(
      redact('Postgres at postgres://u:pw@h:1/d is unreachable; kafka://h:9092 too'),
      'Postgres at postgres://u:*****@h:1/d is unreachable; kafka://h:9092 too',
    )
  })

  it('hides the password, sslpassword and sslkey query parameters', () => {
    assert.equal(redactUrl('postgres://u@h:5432/db?password=secret'), 'postgres://u@h:5432/db?password=*****')
    assert.equal(
      redact("at postgres://u@h/db?sslmode=require&sslpassword=a&PASSWORD=b&sslkey=/k/key.pem&application_name=x: 'failed'"),
      "at postgres://u@h/db?sslmode=require&sslpassword=*****&PASSWORD=*****&sslkey=*****&application_name=x: 'failed'",
    )
  })

  it('finds the secrets a URL carries, decoded', () => {
    assert.deepEqual(urlSecrets('postgres://u:p%40ss@h/db?password=q&sslkey=%2Fk'), ['p@ss', 'q', '/k'])
    assert.deepEqual(urlSecrets('not a url'), [])
  })

  it('masks remembered secrets wherever they appear, raw or percent-encoded', () => {
    rememberSecrets('swordfish-7', 'p@ss word')
    assert.equal(redact('auth failed for swordfish-7; open p%40ss%20word, p@ss word'), 'auth failed for *****; open *****, *****')
  })

  it('the settings remember every secret they resolve, but not the public docker-compose password', () => {
    resolveSettings({}, {DATABASE_URL: 'postgres://u@h/db?sslkey=/secret/key-9.pem', KAFKA_SASL_PASSWORD: 'sasl-pw-1'}, {})
    assert.equal(redact("ENOENT: open '/secret/key-9.pem' (sasl-pw-1)"), "ENOENT: open '*****' (*****)")
    resolveSettings({}, {}, {})
    assert.equal(redact('run `election init-db`'), 'run `election init-db`')
  })

  it('redacts every string of a --json document', () => {
    const when = new Date(0)
    assert.deepEqual(redactJson({a: [{url: 'postgres://u:p@h/d'}], n: 1, when, none: null}), {
      a: [{url: 'postgres://u:*****@h/d'}],
      n: 1,
      when: when.toISOString(),
      none: null,
    })
  })
})
