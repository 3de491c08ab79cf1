import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * The kafkajs producer's send path as patched by `patches/kafkajs+2.2.4.patch` (applied by `npm ci`
 * through patch-package). Unpatched, kafkajs 2.2.4 kept a send's acknowledgements per broker: when a
 * partition's leader moved during a retry onto a broker that had already answered, that partition was
 * never sent again and the send resolved as if it had been (R1 in docs/reliability.md lost 25
 * acknowledged readings that way). The module is driven here through a stand-in for kafkajs's own
 * cluster object: the race needs a leader to move between two attempts of one send, which a real
 * cluster gives only by chance (R1 exercises it on three real brokers).
 */
const require = createRequire(import.meta.url);

interface ProduceCall {
  readonly nodeId: number;
  readonly partitions: readonly number[];
}

type SendMessages = (opts: {
  logger: unknown;
  cluster: unknown;
  partitioner: unknown;
  eosManager: unknown;
  retrier: unknown;
}) => (args: {
  acks: number;
  topicMessages: { topic: string; messages: { key: string; value: string; partition: number }[] }[];
}) => Promise<{ topicName: string; partition: number; baseOffset: string }[]>;

const sendMessages = require('kafkajs/src/producer/sendMessages.js') as SendMessages;
const createRetry = require('kafkajs/src/retry') as (opts: object) => unknown;
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};
const NOT_LEADER_OR_FOLLOWER = 6;

/** Partitions 0 and 1 led by node 1, partition 2 by node 2; node 2 fails once, then partition 2 moves to node 1. */
function scenario() {
  const calls: ProduceCall[] = [];
  let leaderOf2 = 2;
  let node2Failed = false;
  const partitionMetadata = () =>
    [0, 1, 2].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? leaderOf2 : 1 }));
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({ topicData }: { topicData: { topic: string; partitions: { partition: number }[] }[] }) {
      const partitions = topicData.flatMap((t) => t.partitions.map((p) => p.partition));
      calls.push({ nodeId, partitions });
      if (nodeId === 2 && !node2Failed) {
        node2Failed = true;
        throw createErrorFromCode(NOT_LEADER_OR_FOLLOWER);
      }
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })),
        })),
      };
    },
  });
  const brokers = new Map([1, 2].map((id) => [id, broker(id)]));
  const cluster = {
    targetTopics: new Set<string>(),
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      // What the controller did meanwhile: node 1 took over partition 2.
      leaderOf2 = 1;
    },
    isConnected: () => true,
    findTopicPartitionMetadata: () => partitionMetadata(),
    findLeaderForPartitions(_topic: string, partitions: string[]) {
      const result: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) {
        const leader = partitionMetadata().find((m) => m.partitionId === p)?.leader ?? -1;
        result[leader] = [...(result[leader] ?? []), p];
      }
      return result;
    },
    async findBroker({ nodeId }: { nodeId: number }) {
      return brokers.get(Number(nodeId));
    },
  };
  const sequences = new Map<string, number>();
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence(topic: string, partition: number, n: number) {
      sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + n);
    },
  };
  const silent = () => undefined;
  const logger = { debug: silent, info: silent, warn: silent, error: silent };
  const send = sendMessages({
    logger,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }),
  });
  return { calls, send, sequences };
}

describe('kafkajs send retry after a leader moves (patched)', () => {
  it('sends a partition whose leader moved onto a broker that had already answered', async () => {
    const { calls, send, sequences } = scenario();
    const messages = [0, 1, 2].map((partition) => ({ key: `k${partition}`, value: 'v', partition }));
    const response = await send({ acks: -1, topicMessages: [{ topic: 't', messages }] });

    expect(response.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
    // Attempt 1: node 1 takes 0 and 1, node 2 refuses 2. Attempt 2: only partition 2, now on node 1.
    expect(calls).toEqual([
      { nodeId: 1, partitions: [0, 1] },
      { nodeId: 2, partitions: [2] },
      { nodeId: 1, partitions: [2] },
    ]);
    // Each partition's message counted once in its sequence: the retry was not a second copy.
    expect([...sequences.values()]).toEqual([1, 1, 1]);
  });
});
