import assert from 'node:assert/strict'
import {randomBytes, randomUUID} from 'node:crypto'
import {createRequire} from 'node:module'

/**
 * kafkajs' record encoding and key hashing, as patched by patches/kafkajs+2.2.4.patch: the
 * same bytes and the same partitions as before, with less garbage per record (a record was
 * written into a zeroed 512-byte buffer, grown and copied when larger; every varint was an
 * array and a Buffer; every varlong and every four bytes of a key's hash were Long objects),
 * a batch's checksum eight bytes a step, and messages grouped by partition without copying.
 */
const load = createRequire(import.meta.url)
type Message = {key?: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string | string[]>}
type Encoded = {buffer: Buffer}
const Record = load('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  m: Message & {offsetDelta: number; timestampDelta: number},
) => Encoded
const Encoder = load('kafkajs/src/protocol/encoder.js') as {
  new (): Encoded & {writeVarLong(v: number): Encoded}
  sizeOfVarLong(v: number): number
}
const murmur2 = load('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number
const crc32C = load('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (data: Buffer) => number
const groupMessagesPerPartition = load('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string
  partitionMetadata: unknown[]
  messages: Array<{key: string}>
  partitioner: (args: {message: {key: string}}) => number
}) => Record<number, Array<{key: string}>>
const Long = load('kafkajs/src/utils/long.js') as {prototype: Record<string, (...args: unknown[]) => unknown>}

/** Kafka's record v2 format, written out from the protocol guide: zigzag LEB128 varints. */
function varint(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  const bytes: number[] = []
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80)
    zigzag >>= 7n
  }
  bytes.push(Number(zigzag))
  return Buffer.from(bytes)
}
const sized = (data: Buffer | null) => (data === null ? varint(-1n) : Buffer.concat([varint(BigInt(data.length)), data]))
const bytesOf = (v: string | Buffer | null | undefined) => (v == null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v))
function expectedRecord(m: Message, offsetDelta: number, timestampDelta: number): Buffer {
  const headers = Object.entries(m.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one] as const))
  const body = Buffer.concat([
    Buffer.from([0]),
    varint(BigInt(timestampDelta)),
    varint(BigInt(offsetDelta)),
    sized(bytesOf(m.key)),
    sized(bytesOf(m.value)),
    varint(BigInt(headers.length)),
    ...headers.flatMap(([k, v]) => [sized(Buffer.from(k)), sized(Buffer.from(v))]),
  ])
  return Buffer.concat([varint(BigInt(body.length)), body])
}

/** Java's murmur2 (org.apache.kafka.common.utils.Utils) in 64-bit arithmetic, keeping the low 32 bits, as kafkajs 2.2.4 did. */
function referenceMurmur2(data: Buffer): number {
  const m = 0x5bd1e995n
  const low = (x: bigint) => BigInt.asIntN(32, x)
  let h = low(0x9747b28cn ^ BigInt(data.length))
  const whole = data.length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = low(BigInt(data.readInt32LE(i)) * m)
    k = low((k ^ BigInt(Number(k) >>> 24)) * m)
    h = low(low(h * m) ^ k)
  }
  const tail = data.length % 4
  if (tail >= 3) h ^= BigInt(data[whole + 2]! << 16)
  if (tail >= 2) h ^= BigInt(data[whole + 1]! << 8)
  if (tail >= 1) h = low((h ^ BigInt(data[whole]!)) * m)
  h = low(h ^ BigInt(Number(h) >>> 13))
  h = low(h * m)
  return Number(low(h ^ BigInt(Number(h) >>> 15)))
}

/** CRC-32C (Castagnoli), bit by bit from its definition: reflected polynomial 0x82f63b78. */
function referenceCrc32C(data: Buffer): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

/** Counts the calls made to the named functions of `owner` while `run` runs. */
function countCalls(owner: Record<string, unknown>, names: string[], run: () => void): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]))
  const originals = names.map((n) => owner[n] as (...args: unknown[]) => unknown)
  names.forEach((n, i) => {
    owner[n] = function (this: unknown, ...args: unknown[]) {
      counts[n]!++
      return originals[i]!.apply(this, args)
    }
  })
  try {
    run()
  } finally {
    names.forEach((n, i) => (owner[n] = originals[i]))
  }
  return counts
}

const TIMESTAMP_DELTAS = [
  0,
  1,
  -1,
  63,
  64,
  -64,
  -65,
  8191,
  8192,
  2 ** 30 - 1,
  2 ** 30,
  -(2 ** 30),
  -(2 ** 30) - 1,
  2 ** 31,
  2 ** 40,
  -(2 ** 40),
  1_764_000_000_000,
]

describe('kafkajs record encoding and key hashing (patched)', () => {
  it('encodes records byte for byte as the record format says, at every size and timestamp delta', () => {
    let cases = 0
    for (const size of [0, 1, 200, 490, 511, 512, 513, 900, 1023, 1024, 5000, 70_000]) {
      for (const [i, timestampDelta] of TIMESTAMP_DELTAS.entries()) {
        const message: Message = {
          key: i % 4 === 0 ? null : i % 4 === 1 ? randomBytes(16) : randomUUID(),
          value: i % 5 === 0 ? null : i % 5 === 1 ? randomBytes(size) : 'é'.repeat(i % 3) + 'x'.repeat(size),
          headers: i % 3 === 0 ? {origin: 'test', hop: ['a', 'bc']} : undefined,
        }
        const offsetDelta = i * 97
        assert.deepEqual(
          Record({...message, offsetDelta, timestampDelta}).buffer,
          expectedRecord(message, offsetDelta, timestampDelta),
          `size ${size}, delta ${timestampDelta}`,
        )
        cases++
      }
    }
    assert.equal(cases, 12 * TIMESTAMP_DELTAS.length)
  })

  it('sizes and writes varlongs as the format says, small and large', () => {
    for (const value of TIMESTAMP_DELTAS) {
      assert.deepEqual(new Encoder().writeVarLong(value).buffer, varint(BigInt(value)), String(value))
      assert.equal(Encoder.sizeOfVarLong(value), varint(BigInt(value)).length, String(value))
    }
  })

  it('writes a record into one buffer sized up front, with no varint or Long garbage', () => {
    const message = {key: randomUUID(), value: 'v'.repeat(870), offsetDelta: 5, timestampDelta: 12}
    const buffers = countCalls(Buffer as unknown as Record<string, unknown>, ['alloc', 'allocUnsafe', 'from'], () => Record(message))
    // `from` is Buffer.from of the key and value strings' bytes: none, they are written in place.
    assert.deepEqual(buffers, {alloc: 0, allocUnsafe: 1, from: 0})
    const longs = countCalls(Long.prototype, ['shiftLeft', 'xor', 'and', 'shiftRightUnsigned'], () => Record(message))
    assert.deepEqual(longs, {shiftLeft: 0, xor: 0, and: 0, shiftRightUnsigned: 0})
  })

  it("hashes keys as Java's client does, so a key keeps its partition", () => {
    // Apache Kafka's own test vectors (UtilsTest.testMurmur2), checked against kafka-clients 4.1.1.
    const java: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['', 275646681],
      ['8f14e45f-ceea-467f-a8f5-8e7f3c1b2a9d', -1457703218],
      ['é voter ü', -1130186224],
    ]
    for (const [key, hash] of java) assert.equal(murmur2(key), hash, key)
    for (let i = 0; i < 5000; i++) {
      const key = i % 2 ? Buffer.from(randomUUID()) : randomBytes(i % 41)
      assert.equal(murmur2(key), referenceMurmur2(key), key.toString('hex'))
    }
  })

  it('hashes a key without Long arithmetic', () => {
    const longs = countCalls(Long.prototype, ['multiply', 'xor'], () => murmur2(randomUUID()))
    assert.deepEqual(longs, {multiply: 0, xor: 0})
  })

  it('checksums record batches as CRC-32C, at every length and alignment', () => {
    assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283) // the standard check value
    assert.equal(crc32C(Buffer.alloc(0)), 0)
    const data = randomBytes(4096)
    for (let start = 0; start < 9; start++)
      for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4000])
        assert.equal(
          crc32C(data.subarray(start, start + length)),
          referenceCrc32C(data.subarray(start, start + length)),
          `${start}+${length}`,
        )
  })

  it('groups a send by partition in order, without copying a partition for every message', () => {
    const messages = Array.from({length: 600}, (_, i) => ({key: `k${i}`}))
    const partitioner = ({message}: {message: {key: string}}) => Number(message.key.slice(1)) % 3
    const iterate = Array.prototype[Symbol.iterator]
    let iterations = 0
    Array.prototype[Symbol.iterator] = function (this: unknown[]) {
      iterations++
      return iterate.call(this)
    }
    let groups: Record<number, Array<{key: string}>>
    try {
      groups = groupMessagesPerPartition({topic: 't', partitionMetadata: [{}], messages, partitioner})
    } finally {
      Array.prototype[Symbol.iterator] = iterate
    }
    assert.deepEqual(
      Object.fromEntries(Object.entries(groups).map(([p, ms]) => [p, ms.map((m) => m.key)])),
      Object.fromEntries([0, 1, 2].map((p) => [p, messages.filter((_, i) => i % 3 === p).map((m) => m.key)])),
    )
    // Unpatched, each message spread its partition's array again: 600 iterations, not one.
    assert.ok(iterations <= 1, `${iterations} array iterations`)
  })
})
