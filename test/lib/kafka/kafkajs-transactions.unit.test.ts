import assert from 'node:assert/strict'
import {createRequire} from 'node:module'

/**
 * kafkajs' transaction manager, as patched by patches/kafkajs+2.2.4.patch: a transaction begun
 * right after a commit gets CONCURRENT_TRANSACTIONS from the coordinator until the last one's
 * markers are written (a few milliseconds). 2.2.4 left it to the send's retrier, which waits
 * about 300 ms; the patch asks again every 20 ms, as Java's producer does (KAFKA-5477), for a
 * while, then leaves it to the retrier as before.
 */
const load = createRequire(import.meta.url)
interface EosManager {
  initProducerId(): Promise<void>
  beginTransaction(): void
  addPartitionsToTransaction(topicData: Array<{topic: string; partitions: Array<{partition: number}>}>): Promise<void>
}
const createEosManager = load('kafkajs/src/producer/eosManager/index.js') as (options: object) => EosManager
const {KafkaJSProtocolError} = load('kafkajs/src/errors.js') as {KafkaJSProtocolError: new (e: object) => Error}

const quiet = {debug: () => {}, info: () => {}, warn: () => {}, error: () => {}}
const concurrent = () =>
  new KafkaJSProtocolError({
    type: 'CONCURRENT_TRANSACTIONS',
    code: 51,
    retriable: true,
    message: 'concurrent operation on the same transaction',
  })

/**
 * A transaction manager whose coordinator refuses AddPartitionsToTxn `refusals` times (with
 * `refusal`, CONCURRENT_TRANSACTIONS unless given), then accepts; it counts the requests.
 */
async function transactionAgainst(refusals: number, refusal: () => Error = concurrent) {
  let requests = 0
  const coordinator = {
    initProducerId: async () => ({producerId: 7, producerEpoch: 0}),
    addPartitionsToTxn: async () => {
      if (++requests <= refusals) throw refusal()
    },
  }
  const cluster = {
    retry: {retries: 0},
    refreshMetadataIfNecessary: async () => {},
    findGroupCoordinator: async () => coordinator,
  }
  const eos = createEosManager({logger: quiet, cluster, transactional: true, transactionalId: 'test-txn'})
  await eos.initProducerId()
  eos.beginTransaction()
  return {add: () => eos.addPartitionsToTransaction([{topic: 't', partitions: [{partition: 0}]}]), requests: () => requests}
}

describe('kafkajs transactions (patched)', () => {
  it('asks again, by itself, while the coordinator is still finishing the last transaction', async () => {
    const txn = await transactionAgainst(3)
    await txn.add()
    assert.equal(txn.requests(), 4)
  })

  it('leaves a coordinator that stays busy to the send retrier, with its error', async () => {
    const txn = await transactionAgainst(1000)
    await assert.rejects(txn.add, (error: Error & {type?: string}) => error.type === 'CONCURRENT_TRANSACTIONS')
    assert.equal(txn.requests(), 25)
  })

  it('does not retry any other error', async () => {
    const fenced = () => new KafkaJSProtocolError({type: 'INVALID_PRODUCER_EPOCH', code: 47, retriable: false, message: 'fenced'})
    const txn = await transactionAgainst(1000, fenced)
    await assert.rejects(txn.add, /fenced/)
    assert.equal(txn.requests(), 1)
  })
})
