import assert from 'node:assert/strict'

import {formatDuration, MAX_DURATION_MS, parseDuration, SESSION_TIMEOUT_BOUNDS} from '../../src/lib/flags.js'

describe('duration flags', () => {
  it('parses units and bare seconds', () => {
    assert.deepEqual(
      ['500ms', '5s', '2m', '1h', '1.5', '10'].map((d) => parseDuration(d)),
      [500, 5000, 120_000, 3_600_000, 1500, 10_000],
    )
  })

  it('refuses what a Node timer cannot wait for (2^31-1 ms fires at once), with the limit in the message', () => {
    assert.ok(MAX_DURATION_MS < 2 ** 31 - 1)
    assert.equal(parseDuration('500h'), MAX_DURATION_MS)
    for (const input of ['501h', '600h', '1800001s', '99999999999999999999h']) {
      assert.throws(() => parseDuration(input), {name: 'ElectionUsageError', message: /out of range: at most 500h/}, input)
    }
  })

  it("holds a session timeout to the brokers' default limits", () => {
    assert.equal(parseDuration('6s', SESSION_TIMEOUT_BOUNDS), 6000)
    assert.equal(parseDuration('30m', SESSION_TIMEOUT_BOUNDS), 1_800_000)
    assert.throws(() => parseDuration('5999ms', SESSION_TIMEOUT_BOUNDS), {message: /from 6s to 30m/})
    assert.throws(() => parseDuration('31m', SESSION_TIMEOUT_BOUNDS), {message: /from 6s to 30m/})
  })

  it('refuses nonsense and zero', () => {
    assert.throws(() => parseDuration('soon'), {name: 'ElectionUsageError', message: /invalid duration "soon"/})
    assert.throws(() => parseDuration('0s'), {name: 'ElectionUsageError', message: /positive/})
  })

  it('takes fractions of any unit and surrounding blanks', () => {
    assert.deepEqual(
      [' 5s ', '1.5m', '0.5s', '0.25h'].map((d) => parseDuration(d)),
      [5000, 90_000, 500, 900_000],
    )
  })

  it('refuses unknown units, signs, inner blanks, a unit alone and the empty string, quoting the input', () => {
    for (const input of ['5d', '5S', '-5s', '+5s', '5 s', 's', '', '.5s', '5.s', '1e3', '0x10']) {
      assert.throws(
        () => parseDuration(input),
        {name: 'ElectionUsageError', message: new RegExp(`^invalid duration "${input.replace(/[.+]/g, '\\$&')}"$`)},
        JSON.stringify(input),
      )
    }
    for (const input of ['0', '0ms', '0.0h']) assert.throws(() => parseDuration(input), {message: /positive/}, input)
  })

  it('bounds are inclusive, in milliseconds, whatever unit the input uses', () => {
    const bounds = {min: 1000, max: 60_000}
    assert.equal(parseDuration('1000ms', bounds), 1000)
    assert.equal(parseDuration('1m', bounds), 60_000)
    assert.throws(() => parseDuration('999ms', bounds), {message: /out of range: from 1s to 1m/})
    assert.throws(() => parseDuration('60.001s', bounds), {message: /out of range/})
  })

  it('formats a duration in the largest unit that divides it', () => {
    assert.deepEqual([1_800_000, 6000, 250, 1500, 500 * 3_600_000].map(formatDuration), ['30m', '6s', '250ms', '1500ms', '500h'])
  })
})
