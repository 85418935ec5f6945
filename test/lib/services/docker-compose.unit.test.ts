import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'

import {composeFile} from '../../../src/lib/services/paths.js'

describe('docker-compose.yml', () => {
  it('publishes its ports on the loopback interface only', async () => {
    const compose = await readFile(composeFile, 'utf8')
    // Port entries are list items of digits, dots and colons ("127.0.0.1:9092:9092"), maybe with a comment.
    const published = [...compose.matchAll(/^\s+-\s+"?([\d.:]+)"?\s*(#.*)?$/gm)].map((m) => m[1]!)
    assert.ok(published.length >= 2, `ports found: ${published.join(', ')}`)
    for (const port of published) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${port} must be bound to 127.0.0.1`)
  })
})
