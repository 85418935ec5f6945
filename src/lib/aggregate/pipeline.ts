/**
 * Batches counted in the background, one after another per partition, while the consumer
 * fetches the next ones. kafkajs fetches again only once every batch of its last fetch has
 * returned, so a fetch waited for the slowest partition's Postgres statement; here a batch
 * returns as soon as it is queued (and its offset resolved, in fetch order), and its work runs
 * behind its partition's earlier batches. The batches that queued up while a partition's work
 * ran go to its next work together: one statement for all of them when Postgres is the
 * bottleneck, one per batch when it keeps up.
 *
 * What keeps exactly-once: a batch's offsets are committed by its own work, after its votes
 * are counted, and a partition's works run in order, so a committed offset never passes a
 * batch that is not counted. A failed work stops its partition's queue: the batches queued
 * behind it, and any added later, never run (and never commit), and `onError` hears of it.
 */
export class BatchPipeline<B> {
  private readonly queues = new Map<number, Queued<B>[]>()
  private readonly running = new Map<number, Promise<void>>()
  private readonly failed = new Set<number>()
  private records = 0

  constructor(
    private readonly options: {
      /** Counts, then commits, a partition's consecutive batches, oldest first. */
      work: (partition: number, batches: B[]) => Promise<void>
      /** A batch's records. */
      size: (batch: B) => number
      /** Records queued or being counted, all partitions together, above which `add` waits. */
      maxRecords: number
      onError: (error: unknown) => void
    },
  ) {}

  /** Records queued or being counted. */
  get inFlight(): number {
    return this.records
  }

  /**
   * Queues a batch behind its partition's earlier ones. Resolves once it is queued, or once its
   * work has finished (however) when `awaitWork` says so or more than `maxRecords` are in flight:
   * memory stays bounded, and the caller, still inside kafkajs' eachBatch, holds the next fetch back.
   */
  async add(partition: number, batch: B, awaitWork = false): Promise<void> {
    if (this.failed.has(partition)) return
    const queued: Queued<B> = {batch, size: this.options.size(batch), ...settledSignal()}
    this.records += queued.size
    const queue = this.queues.get(partition) ?? []
    queue.push(queued)
    this.queues.set(partition, queue)
    if (!this.running.has(partition)) this.running.set(partition, this.drainPartition(partition))
    if (awaitWork || this.records > this.options.maxRecords) await queued.settled
  }

  /** Resolves once every queued batch has been counted, or has failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()])
  }

  private async drainPartition(partition: number): Promise<void> {
    for (let queue = this.queues.get(partition); queue?.length; queue = this.queues.get(partition)) {
      this.queues.set(partition, [])
      try {
        if (!this.failed.has(partition))
          await this.options.work(
            partition,
            queue.map((q) => q.batch),
          )
      } catch (error) {
        this.failed.add(partition)
        this.options.onError(error)
      } finally {
        for (const q of queue) {
          this.records -= q.size
          q.settle()
        }
      }
    }
    this.running.delete(partition)
  }
}

interface Queued<B> {
  batch: B
  size: number
  settled: Promise<void>
  settle: () => void
}

function settledSignal(): {settled: Promise<void>; settle: () => void} {
  let settle!: () => void
  const settled = new Promise<void>((resolve) => (settle = resolve))
  return {settled, settle}
}
