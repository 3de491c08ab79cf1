import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { createPool } from '../../infra/postgres/index.ts';
import {
  type BreakerStatus,
  type CircuitBreakers,
  createCircuitBreakers,
} from '../../infra/resilience/index.ts';
import { anomaliesProjection } from '../../projections/anomalies/index.ts';
import { type AnomalyView, type Answer, createQueryLayer, type QueryLayer } from '../../projections/index.ts';
import { latestReadingsProjection } from '../../projections/readings/index.ts';
import type { AnomalyDetected, SensorReading } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { createTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const START = Date.UTC(2016, 2, 1);
const HOUR = 3_600_000;
const FAILURES_TO_OPEN = 3;
const HALF_OPEN_AFTER_MS = 1_500;

const anomaly = (buildingId: string, hour: number, score: number): AnomalyDetected => ({
  eventId: randomUUID(),
  occurredAt: new Date(START + hour * HOUR),
  source: 'test',
  buildingId,
  meterId: `${buildingId}:e0`,
  meterKind: 'electricity',
  unit: 'kWh',
  readingAt: new Date(START + hour * HOUR),
  observedValue: 99,
  expectedLow: 10,
  expectedHigh: 20,
  score,
  method: 'hour-of-week-mad',
  baselineSamples: 8,
});

/** One reading of a building, for the latest-readings read model (Redis). */
const READING: SensorReading = {
  eventId: randomUUID(),
  occurredAt: new Date(START + HOUR),
  source: 'test',
  buildingId: 'Office_R',
  meterId: 'Office_R:e0',
  meterKind: 'electricity',
  value: 42,
  unit: 'kWh',
};

describe('queries while PostgreSQL is unavailable', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let proxy: TcpProxy;
  let proxiedPool: pg.Pool;
  let breakers: CircuitBreakers;
  let queries: QueryLayer;
  const changes: BreakerStatus['state'][] = [];

  beforeAll(async () => {
    platform = await createTestPlatform('degraded');
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic('anomalies'),
      acks: -1,
      messages: await Promise.all(
        [anomaly('Office_A', 3, 4.5), anomaly('Office_A', 7, 9.1), anomaly('Office_A', 5, 12)].map(
          async (a) => ({ key: a.meterId, value: await platform.codec.encode('anomalies', a) }),
        ),
      ),
    });
    await publishReadings(await platform.feedDeps(), [READING]);
    projector = await runProjector(platform, {
      projections: [anomaliesProjection, latestReadingsProjection],
    });

    const target = new URL(platform.config.postgres.url);
    proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(target);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    proxiedPool = createPool({ url: proxied.toString(), schema: platform.config.postgres.schema });
    // A cut resets idle connections too; without a listener that would crash the test process.
    proxiedPool.on('error', () => undefined);
    breakers = createCircuitBreakers({
      logger: platform.logger,
      postgres: { consecutiveFailures: FAILURES_TO_OPEN, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    });
    breakers.onStateChange((s) => {
      if (s.dependency === 'postgres') changes.push(s.state);
    });
    queries = createQueryLayer({
      pool: proxiedPool,
      breakers,
      redis: platform.redis,
      keepLastKnownGood: true,
      logger: platform.logger,
    });
  }, 180_000);

  afterAll(async () => {
    await projector?.stop();
    await proxiedPool?.end().catch(() => undefined);
    await proxy?.close();
    await platform?.dispose();
  });

  it('serves the last good answer, flagged stale, while the proxy is cut; fails typed when none is kept; probes and recovers', async () => {
    const fresh = await waitFor('three anomalies through the proxy', async () => {
      const a = await queries.anomalies({ buildingId: 'Office_A' });
      return a.data.length === 3 ? a : undefined;
    });
    expect(fresh.stale).toBe(false);
    expect(fresh.data.map((a) => a.score)).toEqual([9.1, 12, 4.5]);
    expect(proxy.connectionAttempts).toBeGreaterThan(0);

    const cutAt = Date.now();
    proxy.cut();

    // Failure 1: the same query (arguments in another key order) answers from the kept copy.
    const stale: Answer<AnomalyView[]> = await queries.anomalies({
      limit: undefined,
      buildingId: 'Office_A',
    });
    expect(stale.stale).toBe(true);
    if (!stale.stale) throw new Error('unreachable');
    expect(stale.data).toEqual(fresh.data);
    expect(stale.data[0]?.occurredAt).toBeInstanceOf(Date);
    expect(stale.provenance).toEqual(fresh.provenance);
    expect(stale.dataUntil).toEqual(fresh.dataUntil);
    expect(stale.staleSince.getTime()).toBeLessThanOrEqual(cutAt);
    expect(stale.ageMs).toBeGreaterThanOrEqual(0);
    expect(stale.reason).toMatch(/PostgreSQL is unavailable/);

    // Failure 2: a query never answered before has nothing kept.
    const never = queries.anomalies({ buildingId: 'Office_B' });
    await expect(never).rejects.toBeInstanceOf(EaioError);
    await expect(never).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      kind: 'transient',
      context: { dependency: 'postgres', query: 'anomalies' },
    });
    await expect(never).rejects.toThrow(
      /^PostgreSQL is unavailable; no cached answer for anomalies \{"buildingId":"Office_B"\}; retry in \d+ s/,
    );

    // Failure 3 opens the circuit.
    await expect(queries.commandStatus(randomUUID())).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
    expect(breakers.postgres.status().state).toBe('open');
    expect(changes).toEqual(['open']);

    // Open: answers come at once, and nothing reaches the proxy any more.
    const attemptsWhenOpen = proxy.connectionAttempts;
    for (let i = 0; i < 5; i++) {
      const again = await queries.anomalies({ buildingId: 'Office_A' });
      expect(again.stale).toBe(true);
      if (again.stale) expect(again.reason).toMatch(/circuit open/);
      await expect(queries.anomalies({ buildingId: 'Office_B' })).rejects.toThrow(/retry in [12] s/);
    }
    expect(proxy.connectionAttempts).toBe(attemptsWhenOpen);

    // Restored: once the open period ends, one probe goes through, closes the circuit, answers fresh.
    proxy.restore();
    const recovered = await waitFor(
      'a fresh answer after the half-open probe',
      async () => {
        const a = await queries.anomalies({ buildingId: 'Office_A' });
        return a.stale ? undefined : a;
      },
      { timeoutMs: 30_000 },
    );
    expect(recovered.data).toEqual(fresh.data);
    expect(proxy.connectionAttempts).toBeGreaterThan(attemptsWhenOpen);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    expect((await queries.anomalies({ buildingId: 'Office_B' })).data).toEqual([]);
  });

  it('answers latest readings from Redis while PostgreSQL is cut, naming no offsets rather than failing', async () => {
    const fresh = await waitFor('the reading in latest-readings', async () => {
      const a = await queries.latestReadingsAnswer('Office_R');
      return a.data.length === 1 && a.provenance.length === 1 ? a : undefined;
    });
    expect(fresh.provenance.map((p) => p.projection)).toEqual(['latest-readings']);
    expect(fresh.dataUntil).toEqual(READING.occurredAt);
    proxy.cut();
    try {
      const cut = await queries.latestReadingsAnswer('Office_R');
      expect(cut).toMatchObject({ stale: false, provenance: [], dataUntil: READING.occurredAt });
      expect(cut.data).toEqual(fresh.data);
    } finally {
      proxy.restore();
    }
  });
});
