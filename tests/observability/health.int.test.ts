import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  consumerLagCheck,
  type HealthCheck,
  kafkaCheck,
  postgresCheck,
  redisCheck,
  registryCheck,
} from '../../infra/health/index.ts';
import { type ConsumerLagReader, createConsumerLagReader, waitForTopics } from '../../infra/kafka/index.ts';
import {
  createMetrics,
  type EaioMetrics,
  type RunningMetricsServer,
  startMetricsServer,
} from '../../infra/metrics/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ReadyBody {
  readonly status: string;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly reason?: string }[];
}

async function getReady(url: string): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

describe('health and metrics endpoints against the real services', () => {
  const endpoints = inject('endpoints');
  const PRODUCED = 10;
  const COMMITTED = 4;
  let platform: TestPlatform;
  let admin: Admin;
  let topic: string;
  let group: string;
  let neverCommitted: string;
  let lag: ConsumerLagReader;
  let metrics: EaioMetrics;
  let clock = 0;
  const servers: RunningMetricsServer[] = [];
  const pools: pg.Pool[] = [];
  let dependencyChecks: HealthCheck[];

  const serve = async (readiness: readonly HealthCheck[]): Promise<string> => {
    const server = await startMetricsServer({
      registry: metrics.registry,
      readiness,
      port: 0,
      checkTimeoutMs: 3_000,
    });
    servers.push(server);
    return server.url;
  };

  beforeAll(async () => {
    platform = await createTestPlatform('observability');
    admin = platform.kafka.admin();
    await admin.connect();
    topic = `${platform.names.prefix}lag-probe`;
    group = `${platform.names.prefix}lag-group`;
    neverCommitted = `${platform.names.prefix}lag-idle`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await waitForTopics(admin, [{ topic, partitions: 1 }]);
    const producer = await platform.producer();
    await producer.send({
      topic,
      messages: Array.from({ length: PRODUCED }, (_, i) => ({ key: 'k', value: `message ${i}` })),
    });
    // The group has consumed and committed the first COMMITTED messages only.
    await admin.setOffsets({
      groupId: group,
      topic,
      partitions: [{ partition: 0, offset: String(COMMITTED) }],
    });

    lag = createConsumerLagReader({
      admin,
      groups: [{ groupId: group }, { groupId: neverCommitted, topics: [topic] }],
      cacheMs: 5_000,
      now: () => clock,
    });
    metrics = createMetrics();
    metrics.watchConsumerLag(lag);
    dependencyChecks = [
      kafkaCheck(admin),
      registryCheck(endpoints.registryUrl),
      redisCheck(platform.redis),
      postgresCheck(platform.pool),
    ];
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await Promise.all(pools.map((p) => p.end()));
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.deleteGroups([group]).catch(() => undefined);
    await admin?.disconnect();
    await platform?.dispose();
  });

  it('is ready when Kafka, the registry, Redis and Postgres answer and the lag is under the limit', async () => {
    const url = await serve([...dependencyChecks, consumerLagCheck(lag, PRODUCED)]);
    const { status, body } = await getReady(url);
    expect(body.checks.filter((c) => !c.ok)).toEqual([]);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => c.name)).toEqual([
      'kafka',
      'schema-registry',
      'redis',
      'postgres',
      'consumer-lag',
    ]);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('answers 503 naming a check pointed at a closed port, and its reason, while the others pass', async () => {
    const port = await closedPort();
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/eaio` });
    pools.push(pool);
    const url = await serve([
      ...dependencyChecks,
      postgresCheck(pool, 'postgres-replica'),
      registryCheck(`http://127.0.0.1:${port}/apis/ccompat/v7`, 'registry-mirror'),
    ]);
    const { status, body } = await getReady(url);
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
    const failing = body.checks.filter((c) => !c.ok);
    expect(failing.map((c) => c.name)).toEqual(['postgres-replica', 'registry-mirror']);
    for (const check of failing) expect(check.reason).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(body.checks.filter((c) => c.ok).map((c) => c.name)).toEqual([
      'kafka',
      'schema-registry',
      'redis',
      'postgres',
    ]);
  });

  it('exports the lag of a real consumer group per partition, and gates readiness on it', async () => {
    const url = await serve([consumerLagCheck(lag, COMMITTED)]);
    const expected = `eaio_consumer_lag{group="${group}",topic="${topic}",partition="0"} ${PRODUCED - COMMITTED}`;
    const text = await waitFor('the lag gauge on /metrics', async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      return body.includes(expected) ? body : undefined;
    });
    // A group that never committed is behind by everything the partition holds.
    expect(text).toContain(
      `eaio_consumer_lag{group="${neverCommitted}",topic="${topic}",partition="0"} ${PRODUCED}`,
    );
    expect(text).toContain('process_cpu_seconds_total');

    const { status, body } = await getReady(url);
    expect(status).toBe(503);
    expect(body.checks[0]?.reason).toBe(
      `${neverCommitted} ${topic}[0] is ${PRODUCED} behind; ${group} ${topic}[0] is ${PRODUCED - COMMITTED} behind; the limit is ${COMMITTED}`,
    );
  });

  it('reuses a lag reading within the cache window, and reads again after it', async () => {
    const before = await lag.read();
    const producer = await platform.producer();
    await producer.send({ topic, messages: [{ value: 'one more' }, { value: 'and another' }] });
    clock += 4_999;
    expect(await lag.read()).toBe(before);
    clock += 1;
    const after = await lag.read();
    expect(after.find((p) => p.group === group)).toMatchObject({
      topic,
      partition: 0,
      committed: BigInt(COMMITTED),
      high: BigInt(PRODUCED + 2),
      lag: BigInt(PRODUCED + 2 - COMMITTED),
    });
  });
});
