import type { Kafka, Producer } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { createProducer } from '../../infra/kafka/index.ts';

/** One transactional producer per partition number, `<transactionalIdPrefix>.<partition>`. */
export interface PartitionProducers {
  /**
   * A new producer for a partition number, connected. Connecting fences every earlier producer of
   * the same id (a previous owner, or our own after a failure) and settles its open transaction, so
   * offsets read afterwards are the last ones any owner will ever commit.
   */
  fresh(partition: number): Promise<Producer>;
  /** The partition number's producer, a fresh one if it has none. */
  of(partition: number): Promise<Producer>;
  /** Disconnects every producer; from then on `fresh` and `of` refuse, so none connects after the stop. */
  disconnectAll(): Promise<void>;
}

/** How the producers of {@link createPartitionProducers} are made. */
export interface PartitionProducerOptions {
  /**
   * Milliseconds a transaction may stay open before the broker aborts it and fences its producer
   * (kafkajs's 60 s by default); see `transactionTimeout` in infra/kafka.
   */
  readonly transactionTimeout?: number;
}

/** The producers of one processor; ids are stable across restarts so that a new owner fences the old. */
export function createPartitionProducers(
  kafka: Kafka,
  transactionalIdPrefix: string,
  options: PartitionProducerOptions = {},
): PartitionProducers {
  const producers = new Map<number, Promise<Producer>>();
  let closed = false;

  const fresh = async (partition: number): Promise<Producer> => {
    if (closed)
      throw new EaioError(
        'CONSUMER_STOPPED',
        'transient',
        `Processor producers ${transactionalIdPrefix} are closed: the processor stopped`,
      );
    const previous = producers.get(partition);
    producers.delete(partition);
    await previous?.then((p) => p.disconnect()).catch(() => undefined);
    const producer = createProducer(kafka, {
      ...options,
      transactionalId: `${transactionalIdPrefix}.${partition}`,
    });
    const connected = producer.connect().then(() => producer);
    producers.set(partition, connected);
    return connected;
  };

  return {
    fresh,
    of: (partition) => producers.get(partition) ?? fresh(partition),
    async disconnectAll() {
      closed = true;
      await Promise.all([...producers.values()].map(async (p) => (await p).disconnect()));
    },
  };
}
