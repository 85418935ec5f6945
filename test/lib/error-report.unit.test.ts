import assert from 'node:assert/strict'

import {errorReport} from '../../src/lib/base-command.js'
import {configError, usageError} from '../../src/lib/errors.js'

describe('errorReport: what a failure shows and its exit code', () => {
  it('keeps our own errors as they are', () => {
    assert.deepEqual(errorReport(configError('tables missing', 'run `election init-db`')), {
      name: 'ElectionConfigError',
      message: 'tables missing',
      suggestions: ['run `election init-db`'],
      code: 3,
    })
    assert.equal(errorReport(usageError('--rate must be positive')).code, 2)
  })

  it("calls oclif's parse errors usage errors (2), on one line", () => {
    const parse = Object.assign(new Error('Nonexistent flag: --yes\nSee more help with --help'), {oclif: {exit: 2}})
    assert.deepEqual(errorReport(parse), {
      name: 'ElectionUsageError',
      message: 'Nonexistent flag: --yes',
      suggestions: ['run the command with --help for usage'],
      code: 2,
    })
  })

  it('calls what Kafka, Postgres or the network raised unavailable (4), not a bug', () => {
    const kafka = Object.assign(new Error('The group is rebalancing'), {name: 'KafkaJSProtocolError'})
    const postgres = Object.assign(new Error('relation "votes" does not exist'), {code: '42P01'})
    const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'})
    for (const error of [kafka, postgres, network])
      assert.deepEqual([errorReport(error).name, errorReport(error).code], ['ElectionUnavailableError', 4], error.message)
  })

  it('says anything else is a bug (70), with --debug advice, and never prints a secret it carries', () => {
    const report = errorReport(new TypeError("Cannot read properties of undefined (reading 'x') at postgres://u:hunter22@h/db"))
    assert.equal(report.code, 70)
    assert.equal(report.name, 'ElectionBugError')
    assert.match(report.message, /^unexpected error \(a bug in election\): Cannot read properties/)
    assert.doesNotMatch(report.message, /hunter22/)
    assert.match(report.suggestions[0]!, /--debug/)
  })
})
