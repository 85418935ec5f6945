import assert from 'node:assert/strict'

import {BatchPipeline} from '../../../src/lib/aggregate/pipeline.js'

/** A batch: a name and its records. */
interface Batch {
  name: string
  records: number
}

/**
 * A pipeline whose works log what they were given and finish when the test says: `finish(error?)`
 * ends the oldest work still running.
 */
function pipelineUnderTest(maxRecords = 1000) {
  const log: string[] = []
  const errors: unknown[] = []
  const running: Array<(error?: Error) => void> = []
  const pipeline = new BatchPipeline<Batch>({
    work: async (partition, batches) => {
      const names = batches.map((b) => b.name).join('+')
      log.push(`start ${names}`)
      await new Promise<void>((resolve, reject) => running.push((error) => (error ? reject(error) : resolve())))
      log.push(`end ${names}`)
    },
    size: (batch) => batch.records,
    maxRecords,
    onError: (error) => errors.push(error),
  })
  const finish = async (error?: Error) => {
    running.shift()!(error)
    await settle()
  }
  return {pipeline, log, errors, finish}
}

const settle = () => new Promise((resolve) => setImmediate(resolve))
const batch = (name: string, records = 10): Batch => ({name, records})

describe('BatchPipeline: batches counted in the background, in order per partition', () => {
  it("runs a partition's batches in the order queued, after each other; other partitions' beside them", async () => {
    const {pipeline, log, finish} = pipelineUnderTest()
    await pipeline.add(0, batch('a1'))
    await pipeline.add(1, batch('b1'))
    await settle()
    assert.deepEqual(log, ['start a1', 'start b1'])
    await pipeline.add(0, batch('a2'))
    await settle()
    assert.deepEqual(log, ['start a1', 'start b1'], 'a2 waits for a1')
    assert.equal(pipeline.inFlight, 30)
    await finish()
    assert.deepEqual(log, ['start a1', 'start b1', 'end a1', 'start a2'])
    await finish()
    await finish()
    await pipeline.drain()
    assert.equal(pipeline.inFlight, 0)
  })

  it('gives the batches that queued up behind a running work to the next work together, oldest first', async () => {
    const {pipeline, log, finish} = pipelineUnderTest()
    await pipeline.add(0, batch('a1'))
    for (const name of ['a2', 'a3', 'a4']) await pipeline.add(0, batch(name))
    await finish()
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2+a3+a4'])
    await finish()
    await pipeline.drain()
  })

  it('returns at once while there is room, and waits for its batch once more records than the bound are in flight', async () => {
    const {pipeline, finish} = pipelineUnderTest(25)
    await pipeline.add(0, batch('a', 20))
    let returned = false
    const adding = pipeline.add(1, batch('b', 10)).then(() => (returned = true))
    await settle()
    assert.equal(returned, false, '30 records in flight, above 25')
    await finish() // a
    assert.equal(returned, false, 'b is still being counted')
    await finish() // b
    await adding
    assert.equal(pipeline.inFlight, 0)
  })

  it('when asked to, returns only once the work of the batch it queued has finished', async () => {
    const {pipeline, log, finish} = pipelineUnderTest()
    let returned = false
    const adding = pipeline.add(0, batch('a'), true).then(() => (returned = true))
    await settle()
    assert.deepEqual(log, ['start a'])
    assert.equal(returned, false)
    await finish()
    await adding
    assert.deepEqual(log, ['start a', 'end a'])
  })

  it('after a failed work, never runs what its partition queued behind it or later; reports it; other partitions go on', async () => {
    const {pipeline, log, errors, finish} = pipelineUnderTest()
    await pipeline.add(0, batch('a1'))
    await pipeline.add(1, batch('b1'))
    await pipeline.add(0, batch('a2'))
    const failure = new Error('Postgres away for good')
    await finish(failure) // a1
    await pipeline.add(0, batch('a3'))
    await pipeline.add(1, batch('b2'))
    await finish() // b1
    await finish() // b2
    await pipeline.drain()
    assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'start b2', 'end b2'], 'a2 and a3 (which would commit past a1) never ran')
    assert.deepEqual(errors, [failure])
    assert.equal(pipeline.inFlight, 0)
  })
})
