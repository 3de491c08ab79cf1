import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type EaioConfig } from '../../infra/config/index.ts';
import {
  brokerCountOf,
  chosenBrokerCount,
  planKafkaLayout,
  recordedLayout,
  rememberLayout,
} from '../../infra/stack/kafka-layout.ts';
import { serverProperties } from '../../infra/stack/kafka-service.ts';
import { freePort } from '../../infra/stack/network.ts';
import { stackPaths } from '../../infra/stack/paths.ts';
import { replicationFor } from '../../schemas/index.ts';

const props = (text: string) =>
  new Map(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('=', 2) as [string, string]),
  );

describe('the local Kafka cluster layout', () => {
  let stateDir: string;
  let config: EaioConfig;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'eaio-layout-'));
    config = configSchema.parse({
      stateDir,
      kafka: { brokers: [`127.0.0.1:${await freePort()}`] },
      stack: { kafkaControllerPort: await freePort() },
    });
  });
  afterAll(() => rm(stateDir, { recursive: true, force: true }));

  it('takes 1 or 3 brokers and refuses anything else with a typed error', () => {
    expect(brokerCountOf(1)).toBe(1);
    expect(brokerCountOf(3)).toBe(3);
    for (const n of [0, 2, 4, Number.NaN]) expect(() => brokerCountOf(n)).toThrow(/--brokers takes 1 or 3/);
  });

  it('keeps the single broker where it always was', async () => {
    const layout = await planKafkaLayout(config, stackPaths(config), 1);
    expect(layout.nodes.map((n) => [n.name, n.nodeId])).toEqual([['kafka', 1]]);
    expect(layout.nodes[0]?.data).toBe(join(stateDir, 'data', 'kafka'));
    expect(layout.nodes[0]?.controllerPort).toBe(config.stack.kafkaControllerPort);
  });

  it('gives three nodes distinct ports and folders, remembers them and the count', async () => {
    const paths = stackPaths(config);
    expect(await chosenBrokerCount(paths)).toBe(1);
    const layout = await planKafkaLayout(config, paths, 3);
    expect(layout.nodes.map((n) => n.name)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(`${layout.nodes[0]?.listener.host}:${layout.nodes[0]?.listener.port}`).toBe(
      config.kafka.brokers[0],
    );
    const ports = layout.nodes.flatMap((n) => [n.listener.port, n.controllerPort]);
    expect(new Set(ports).size).toBe(6);
    expect(new Set(layout.nodes.map((n) => n.data)).size).toBe(3);
    expect(new Set(layout.nodes.map((n) => n.logFile)).size).toBe(3);
    await rememberLayout(paths, layout);
    expect(await chosenBrokerCount(paths)).toBe(3);
    expect(await chosenBrokerCount(paths, 1)).toBe(1);
    // Later runs (up, down, status) find the same nodes on the same ports.
    expect((await planKafkaLayout(config, paths, 3)).nodes).toEqual(layout.nodes);
    expect((await recordedLayout(config, paths)).nodes).toEqual(layout.nodes);
  });

  it('writes each node as a voter of three, replicating internal topics three times', () => {
    const voters = [1, 2, 3].map((nodeId) => ({ nodeId, controllerPort: 19_000 + nodeId }));
    const node2 = props(
      serverProperties({ host: '127.0.0.1', port: 19_102 }, 19_002, '/d2', { nodeId: 2, voters }),
    );
    expect(node2.get('node.id')).toBe('2');
    expect(node2.get('controller.quorum.voters')).toBe(
      '1@127.0.0.1:19001,2@127.0.0.1:19002,3@127.0.0.1:19003',
    );
    expect(node2.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19102,CONTROLLER://127.0.0.1:19002');
    for (const key of [
      'default.replication.factor',
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
    ])
      expect(node2.get(key), key).toBe('3');
    expect(node2.get('transaction.state.log.min.isr')).toBe('2');
    expect(node2.get('min.insync.replicas')).toBe('2');
    const single = props(serverProperties({ host: '127.0.0.1', port: 9092 }, 9093, '/d'));
    expect(single.get('controller.quorum.voters')).toBe('1@127.0.0.1:9093');
    expect(single.get('offsets.topic.replication.factor')).toBe('1');
    expect(single.has('min.insync.replicas')).toBe(false);
  });

  it('replicates catalogue topics min(3, brokers) times, two in sync from three brokers up', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(7)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });
});
