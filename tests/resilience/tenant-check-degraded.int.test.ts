import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../infra/postgres/index.ts';
import { createCircuitBreakers } from '../../infra/resilience/index.ts';
import { getBuilding, type McpReads, principal, runTool } from '../../mcp-adapter/index.ts';
import { createQueryLayer } from '../../projections/index.ts';
import { createTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('the per-call tenant check while PostgreSQL is unavailable', () => {
  let platform: TestPlatform;
  let proxy: TcpProxy;
  let proxiedPool: pg.Pool;
  let queries: McpReads;

  beforeAll(async () => {
    platform = await createTestPlatform('tenant_degraded');
    // The buildings reader view is a plain view over the active generation: rows go straight in.
    await platform.pool.query(
      `INSERT INTO buildings (building_id, primary_use, timezone, registered_at, event_id, source_partition, source_offset, tenant_id)
       VALUES ('B1', 'Office', 'UTC', now(), $1, 0, 1, 't1')`,
      [randomUUID()],
    );
    const target = new URL(platform.config.postgres.url);
    proxy = await createTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(target);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    proxiedPool = createPool({ url: proxied.toString(), schema: platform.config.postgres.schema });
    proxiedPool.on('error', () => undefined);
    queries = createQueryLayer({
      pool: proxiedPool,
      redis: platform.redis,
      breakers: createCircuitBreakers({ logger: platform.logger, postgres: { consecutiveFailures: 3 } }),
      keepLastKnownGood: true,
      logger: platform.logger,
    });
  }, 120_000);

  afterAll(async () => {
    await proxiedPool?.end().catch(() => undefined);
    await proxy?.close();
    await platform?.dispose();
  });

  it("answers a building's tenant from the kept answer, so another tenant is still refused as for an unknown id", async () => {
    expect(await queries.buildingTenant('B1')).toBe('t1');
    proxy.cut();

    expect(await queries.buildingTenant('B1')).toBe('t1');
    const t2 = principal('analyst-2', 'analyst', 't2');
    const refused = await runTool(
      getBuilding,
      { buildingId: 'B1' },
      { queries, principal: t2, now: Date.now },
    );
    expect(refused.result.isError).toBe(true);
    expect(JSON.stringify(refused.result.content)).toContain("No building 'B1' is known");

    // Never checked before: nothing kept, so a typed, retryable refusal rather than a guess.
    const unchecked = await runTool(
      getBuilding,
      { buildingId: 'B2' },
      { queries, principal: t2, now: Date.now },
    );
    expect(unchecked.errorCode).toBe('DEPENDENCY_UNAVAILABLE');
    expect(JSON.stringify(unchecked.result.content)).toContain('retry in');
    proxy.restore();
  });
});
