import type {Admin, Kafka, Offsets, Producer, Transaction} from 'kafkajs'

import {anyCause} from './causes.js'

/** Kafka's answers to a producer whose transactional id a newer producer has taken over. */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'])
const FENCING_CODES = new Set([47, 90])

/** Whether an error (or anything it wraps) says this producer was fenced. */
export function isFencingError(error: unknown): boolean {
  return anyCause(
    error,
    ({type, code}) => (type !== undefined && FENCING_TYPES.has(type)) || (code !== undefined && FENCING_CODES.has(code)),
  )
}

/** A chunk abandoned because this member may no longer own its partition. */
export class FencedError extends Error {
  constructor(readonly partition: number) {
    super(`partition ${partition}: fenced by another member; waiting for the group to confirm ownership`)
    this.name = 'FencedError'
  }
}

/** What the group tells a member about its ownership: a counter that moves on every join and every successful heartbeat. */
export interface OwnershipConfirmations {
  readonly confirmations: number
}

export interface AcquiredProducer {
  producer: Producer
  /**
   * The group's committed offset of the partition: read when the producer was initialised,
   * after the initialisation fenced any earlier owner (so it includes everything that owner
   * committed), then advanced by every transaction this producer commits with offsets of the
   * partition. Records below it are done and must be skipped. Read it afresh for every chunk.
   *
   * The second part matters: right after a commit the group may still report the previous
   * offset (the commit's markers are written after EndTxn answers, and kafkajs' OffsetFetch
   * cannot ask for stable offsets), so a rebalance just after a commit makes kafkajs fetch
   * the committed chunk again. Only this floor keeps it from being published twice.
   */
  committedOffset: bigint
}

/**
 * One transactional producer per input partition: the transactional id is the partition's,
 * so a new owner's InitProducerId fences an earlier owner (kafkajs has no KIP-447 group
 * fencing). The rule that keeps two members from fencing each other in turn (both then
 * commit, and votes_topic holds a voter twice): after a fencing error, this member does not
 * initialise that partition's producer again until the group has confirmed its ownership
 * (a new join, or a successful heartbeat of its generation); until then `acquire` throws
 * FencedError and the chunk is abandoned, to be fetched again by whoever owns it.
 * Each producer's floor (AcquiredProducer.committedOffset) moves with its own commits.
 */
export class PartitionProducers {
  private readonly producers = new Map<number, Promise<AcquiredProducer>>()
  private readonly fencedAt = new Map<number, number>()

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly group: string,
    private readonly topic: string,
    private readonly ownership: OwnershipConfirmations,
    private readonly transactionalId: (partition: number) => string,
  ) {}

  async acquire(partition: number): Promise<AcquiredProducer> {
    const existing = this.producers.get(partition)
    if (existing) return existing
    const fenced = this.fencedAt.get(partition)
    if (fenced !== undefined && this.ownership.confirmations <= fenced) throw new FencedError(partition)
    this.fencedAt.delete(partition)
    const created = this.create(partition)
    this.producers.set(partition, created)
    // A failed connect (e.g. the broker still aborting a killed owner's transaction) must not stay cached.
    created.catch(() => this.producers.delete(partition))
    return created
  }

  private async create(partition: number): Promise<AcquiredProducer> {
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId(partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    })
    await producer.connect()
    try {
      // kafkajs sends the transactional InitProducerId with the first transaction: an empty one
      // (no request on abort) makes it now, fencing any earlier owner and finishing its open
      // transaction, before the committed offset is read.
      await (await producer.transaction()).abort()
      const [offsets] = await this.admin.fetchOffsets({groupId: this.group, topics: [this.topic]})
      const committed = offsets?.partitions.find((p) => p.partition === partition)?.offset
      const acquired: AcquiredProducer = {
        producer,
        committedOffset: committed !== undefined && Number(committed) >= 0 ? BigInt(committed) : 0n,
      }
      acquired.producer = this.advancingOnCommit(producer, partition, acquired)
      return acquired
    } catch (error) {
      await producer.disconnect().catch(() => {})
      throw error
    }
  }

  /**
   * The producer, whose transactions move `acquired.committedOffset` to the partition's offset
   * they sent (sendOffsets for this group) once they commit. A commit that fails on the
   * client but succeeded on the broker is covered too: the producer is then discarded, and
   * the next one's initialisation waits for that transaction to complete before the offset is read.
   */
  private advancingOnCommit(producer: Producer, partition: number, acquired: AcquiredProducer): Producer {
    const offsetOf = ({consumerGroupId, topics}: Offsets & {consumerGroupId: string}) =>
      consumerGroupId === this.group
        ? topics.find((t) => t.topic === this.topic)?.partitions.find((p) => p.partition === partition)?.offset
        : undefined
    const tracked = (transaction: Transaction): Transaction => {
      let sent: bigint | undefined
      return {
        ...transaction,
        sendOffsets: async (offsets) => {
          await transaction.sendOffsets(offsets)
          const offset = offsetOf(offsets)
          if (offset !== undefined) sent = BigInt(offset)
        },
        commit: async () => {
          await transaction.commit()
          if (sent !== undefined && sent > acquired.committedOffset) acquired.committedOffset = sent
        },
      }
    }
    return {...producer, transaction: async () => tracked(await producer.transaction())}
  }

  /**
   * A transaction failed: drop the producer (a producer whose transaction failed half-way is
   * unusable). When the failure was a fencing, remember it: see the class comment.
   */
  async discard(partition: number, error: unknown): Promise<void> {
    if (isFencingError(error)) this.fencedAt.set(partition, this.ownership.confirmations)
    const existing = this.producers.get(partition)
    this.producers.delete(partition)
    const acquired = await existing?.catch(() => undefined)
    await acquired?.producer.disconnect().catch(() => {})
  }

  async disconnectAll(): Promise<void> {
    const all = [...this.producers.values()]
    this.producers.clear()
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.producer.disconnect().catch(() => {})))
  }
}
