import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import {
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { type BatchOutcome, createQueryLayer } from '../../projections/index.ts';
import { loadBdg1Sample, publishBuildings, publishReadings } from '../../sources/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

interface ToolReading {
  meterId: string;
  meterKind: string;
  value: number;
  unit: string;
  occurredAt: string;
}

describe('a reading end to end: Kafka -> projector -> Redis/Postgres -> MCP over Streamable HTTP', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  const outcomes: BatchOutcome[] = [];
  let mcp: RunningMcpHttpServer;
  let client: Client;
  const buildingId = 'Office_Cristina';
  // Hours shuffled across the batch so "latest" must come from event time, not arrival order.
  const readings = hourlyReadings(buildingId, 6, 50).sort((a, b) => a.eventId.localeCompare(b.eventId));

  beforeAll(async () => {
    platform = await createTestPlatform('e2e');
    const deps = await platform.feedDeps();
    const sample = (await loadBdg1Sample()).filter((b) => b.buildingId === buildingId);
    await publishBuildings(deps, sample, new Date(Date.UTC(2015, 0, 1)));
    await publishReadings(deps, readings);
    projector = await runProjector(platform, { onOutcome: (outcome) => outcomes.push(outcome) });
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory(createQueryLayer(platform)),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-e2e');
  });

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await projector?.stop();
    await platform?.dispose();
  });

  it('projects every produced reading into Postgres once', async () => {
    await platform.waitForReadings(readings.length);
    const { rows } = await platform.pool.query<{ n: string }>(
      'SELECT count(DISTINCT event_id) AS n FROM readings',
    );
    expect(Number(rows[0]?.n)).toBe(readings.length);
  });

  it('hands each event to the projector once when nothing fails (offsets advance, no redelivery)', async () => {
    const sentinel = hourlyReadings('Sentinel_Building', 1, 1);
    const deps = await platform.feedDeps();
    await publishReadings(deps, sentinel);
    const handledSoFar = () =>
      outcomes
        .filter((o) => o.topic === platform.names.topic('sensorReadings'))
        .reduce((sum, o) => sum + o.projected, 0);
    // The row is visible once Postgres committed; the outcome follows after the Redis step.
    await waitFor('the sentinel reading projected', async () => {
      const { rows } = await platform.pool.query('SELECT 1 FROM readings WHERE meter_id = $1', [
        sentinel[0]?.meterId,
      ]);
      return rows.length === 1 && handledSoFar() > readings.length ? true : undefined;
    });
    const handled = handledSoFar();
    expect(handled).toBe(readings.length + 1);
  });

  it('get_latest_readings returns exactly the latest value of each meter produced', async () => {
    const expected = latestPerMeter(readings);
    await waitFor('redis latest values', async () => {
      const got = await createQueryLayer(platform).latestReadings(buildingId);
      const complete =
        got.length === expected.size && got.every((r) => r.value === expected.get(r.meterId)?.value);
      return complete ? true : undefined;
    });

    const result = await client.callTool({ name: TOOL_NAMES.getLatestReadings, arguments: { buildingId } });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { buildingId: string; readings: ToolReading[] };
    expect(structured.buildingId).toBe(buildingId);
    expect(structured.readings).toEqual(
      [...expected.values()]
        .sort((a, b) => a.meterId.localeCompare(b.meterId))
        .map((r) => ({
          meterId: r.meterId,
          meterKind: r.meterKind,
          value: r.value,
          unit: r.unit,
          occurredAt: r.occurredAt.toISOString(),
        })),
    );
  });

  it('filters by meter kind', async () => {
    const result = await client.callTool({
      name: TOOL_NAMES.getLatestReadings,
      arguments: { buildingId, meterKind: 'chilled_water' },
    });
    const structured = result.structuredContent as { readings: ToolReading[] };
    expect(structured.readings).toHaveLength(3);
    expect(structured.readings.every((r) => r.meterKind === 'chilled_water' && r.unit === 'ton_h')).toBe(
      true,
    );
  });

  it('answers an unknown building with an error result the model can act on', async () => {
    const result = await client.callTool({
      name: TOOL_NAMES.getLatestReadings,
      arguments: { buildingId: 'Office_Nobody' },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("No building 'Office_Nobody' is known");
  });

  it('rejects malformed arguments with a validation message', async () => {
    const result = await client.callTool({
      name: TOOL_NAMES.getLatestReadings,
      arguments: { buildingId, meterKind: 'plutonium' },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('meterKind');
  });

  it('serves the building resource from the Postgres read model', async () => {
    const resource = await client.readResource({ uri: `eaio://buildings/${buildingId}` });
    const first = resource.contents[0];
    const body = JSON.parse(first && 'text' in first ? first.text : '{}') as {
      buildingId: string;
      primaryUse: string;
      floorAreaM2: number;
      meters: { meterId: string }[];
    };
    expect(body.buildingId).toBe(buildingId);
    expect(body.primaryUse).toBe('Office');
    expect(body.floorAreaM2).toBeCloseTo(8572.25, 1);
    expect(body.meters).toHaveLength(6);
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`eaio://buildings/${buildingId}`);
  });
});
