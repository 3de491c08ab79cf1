import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerMeta,
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer } from '../../projections/index.ts';
import type { TopicKey } from '../../schemas/index.ts';
import {
  anomalyAt,
  commandLifecycle,
  DAY,
  datasetReadings,
  expectedHourlyTotals,
  expectedPeerRank,
  firstTwoDays,
  issueAt,
  produce,
  type RunningDataSet,
  START,
  startDataSet,
  weatherHours,
} from '../support/query-data-set.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const TWO_DAYS = { from: iso(START), to: iso(START + 2 * DAY) };

describe('the query tools end to end: Kafka -> processors -> projector -> query layer -> MCP over Streamable HTTP', () => {
  let platform: TestPlatform;
  let dataSet: RunningDataSet;
  let mcp: RunningMcpHttpServer;
  let client: Client;
  const readings = datasetReadings();
  const twoDays = firstTwoDays(readings);
  const commandId = randomUUID();

  async function call(name: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
    return {
      isError: result.isError === true,
      text,
      structured: result.structuredContent as Record<string, unknown>,
    };
  }

  /** The answer's provenance names these read models, each with offsets on the topics it projects. */
  function expectProvenance(structured: Record<string, unknown>, models: Record<string, TopicKey[]>) {
    const meta = structured as unknown as AnswerMeta;
    expect(meta.provenance.map((p) => p.readModel)).toEqual(Object.keys(models));
    for (const p of meta.provenance) {
      const topics = (models[p.readModel] ?? []).map((k) => platform.names.topic(k));
      expect(p.generation, p.readModel).toBe(1);
      expect(p.offsets.length, p.readModel).toBeGreaterThan(0);
      for (const o of p.offsets) {
        expect(topics).toContain(o.topic);
        expect(BigInt(o.nextOffset)).toBeGreaterThan(0n);
      }
      expect(Date.parse(p.lastAppliedAt ?? '')).not.toBeNaN();
    }
    expect(meta.stale).toBe(false);
    expect(meta).not.toHaveProperty('staleSince');
  }

  beforeAll(async () => {
    platform = await createTestPlatform('query_tools');
    dataSet = await startDataSet(platform, readings);
    await produce(
      platform,
      'anomalies',
      [anomalyAt(3, 4.5), anomalyAt(7, 9.1), anomalyAt(5, 12)],
      (a) => a.meterId,
    );
    await produce(
      platform,
      'dataQualityIssues',
      [issueAt(1, 'spike'), issueAt(2, 'spike'), issueAt(9, 'gap')],
      (i) => i.meterId,
    );
    const command = commandLifecycle(commandId);
    await produce(platform, 'controlCommands', [command.requested], () => command.key);
    await produce(platform, 'controlDecisions', [command.decided], () => command.key);
    await produce(platform, 'controlOutcomes', [command.outcome], () => command.key);
    await produce(platform, 'weatherHourly', weatherHours(), (w) => w.stationId);
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory(createQueryLayer(platform)),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-query-tools');
    // Every event above is projected once the slowest answers are complete.
    await waitFor('anomalies, issues, the command and the weather projected', async () => {
      const [anomalies, quality, status, weather] = await Promise.all([
        call(TOOL_NAMES.listAnomalies, { buildingId: 'Office_A' }),
        call(TOOL_NAMES.dataQualityReport, { buildingId: 'Office_A', ...TWO_DAYS }),
        call(TOOL_NAMES.getCommandStatus, { commandId }),
        call(TOOL_NAMES.weatherImpact, { buildingId: 'Office_A', ...TWO_DAYS, sampleBy: 'hour' }),
      ]);
      return (anomalies.structured?.anomalies as unknown[] | undefined)?.length === 3 &&
        quality.structured?.totalIssues === 3 &&
        (status.structured?.history as unknown[] | undefined)?.length === 3 &&
        weather.structured?.hours === 48
        ? true
        : undefined;
    });
  }, 240_000);

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await dataSet?.stop();
    await platform?.dispose();
  });

  it('query_consumption sums each hour exactly as the produced readings add up, from the rollups at the offsets it names', async () => {
    const { isError, structured, text } = await call(TOOL_NAMES.queryConsumption, {
      buildingId: 'Office_B',
      from: iso(START),
      to: iso(START + DAY),
      bucket: '1h',
    });
    expect(isError).toBe(false);
    const expected = expectedHourlyTotals(readings, 'Office_B', START, START + DAY);
    expect(structured.buckets).toEqual(
      [...expected].map(([t, total]) => ({
        start: iso(t),
        end: iso(t + 3_600_000),
        meterKind: 'electricity',
        unit: 'kWh',
        total,
        readings: 2,
        meters: 2,
      })),
    );
    expect(structured.dataUntil).toBe(iso(START + DAY));
    expect(structured.dataAgeMs).toBeGreaterThan(0);
    expectProvenance(structured, { rollups: ['readingAggregates'] });
    expect(text).toContain(
      `electricity in kWh: ${[...expected.values()].reduce((a, b) => a + b, 0)} over 24 bucket(s)`,
    );

    const daily = await call(TOOL_NAMES.queryConsumption, {
      buildingId: 'Office_B',
      meterId: 'Office_B:e1',
      ...TWO_DAYS,
      bucket: '1d',
    });
    const e1 = twoDays.filter((r) => r.meterId === 'Office_B:e1');
    expect((daily.structured.buckets as { total: number }[]).map((b) => b.total)).toEqual(
      [0, 1].map((d) =>
        e1
          .filter((r) => Math.floor((r.occurredAt.getTime() - START) / DAY) === d)
          .reduce((s, r) => s + r.value, 0),
      ),
    );
  });

  it('compare_to_peers ranks the EUI among the offices as computed from the readings and floor areas', async () => {
    const { isError, structured } = await call(TOOL_NAMES.compareToPeers, {
      buildingId: 'Office_C',
      ...TWO_DAYS,
    });
    expect(isError).toBe(false);
    const expected = expectedPeerRank(twoDays, 'Office_C');
    expect(structured).toMatchObject({
      buildingId: 'Office_C',
      primaryUse: 'Office',
      floorAreaM2: 1500,
      daysWithData: 2,
    });
    expect(structured.eui).toBeCloseTo(expected.eui, 6);
    expect(structured.percentile).toBeCloseTo(expected.percentile, 6);
    expect((structured.peers as { count: number }).count).toBe(expected.count);
    expect((structured.peers as { median: number }).median).toBeCloseTo(expected.median, 6);
    expectProvenance(structured, { rollups: ['readingAggregates'], buildings: ['buildings'] });
  });

  it('weather_impact fits the consumption that is exactly 21 + 2·HDD per hour', async () => {
    const { isError, structured, text } = await call(TOOL_NAMES.weatherImpact, {
      buildingId: 'Office_A',
      ...TWO_DAYS,
      sampleBy: 'hour',
    });
    expect(isError).toBe(false);
    const model = structured.model as {
      base: number;
      heatingSlope: number;
      coolingSlope: number;
      r2: number;
    };
    expect(model.base).toBeCloseTo(21, 9);
    expect(model.heatingSlope).toBeCloseTo(2, 9);
    expect(model.coolingSlope).toBe(0);
    expect(model.r2).toBeCloseTo(1, 9);
    const actual = twoDays.filter((r) => r.buildingId === 'Office_A').reduce((s, r) => s + r.value, 0);
    expect(structured.actual).toBe(actual);
    expect(structured.normalised).toBeCloseTo(21 * 48, 6);
    expect(structured.stationId).toBe('ST1');
    expectProvenance(structured, {
      rollups: ['readingAggregates'],
      weather: ['weatherHourly'],
      buildings: ['buildings'],
    });
    expect(text).toContain('R² 1');
  });

  it('list_anomalies lists the produced anomalies newest first, and filters by score', async () => {
    const all = await call(TOOL_NAMES.listAnomalies, { buildingId: 'Office_A' });
    expect((all.structured.anomalies as { score: number }[]).map((a) => a.score)).toEqual([9.1, 12, 4.5]);
    expect(all.structured.dataUntil).toBe(iso(START + 7 * 3_600_000));
    expectProvenance(all.structured, { anomalies: ['anomalies'] });
    const severe = await call(TOOL_NAMES.listAnomalies, { buildingId: 'Office_A', minScore: 9 });
    expect((severe.structured.anomalies as { score: number }[]).map((a) => a.score)).toEqual([9.1, 12]);
  });

  it('data_quality_report counts the produced issues beside the readings each meter delivered', async () => {
    const { structured } = await call(TOOL_NAMES.dataQualityReport, { buildingId: 'Office_A', ...TWO_DAYS });
    expect(
      (structured.byKind as { issueKind: string; count: number }[]).map((k) => [k.issueKind, k.count]),
    ).toEqual([
      ['gap', 1],
      ['spike', 2],
    ]);
    expect(structured.readingsPerMeter).toEqual([
      { meterId: 'Office_A:e0', readings: 48 },
      { meterId: 'Office_A:e1', readings: 48 },
    ]);
    expectProvenance(structured, {
      'data-quality-issues': ['dataQualityIssues'],
      readings: ['sensorReadings'],
    });
  });

  it("get_command_status follows the command from request to the device's answer", async () => {
    const { structured, text } = await call(TOOL_NAMES.getCommandStatus, { commandId });
    expect(structured).toMatchObject({
      status: 'acknowledged',
      requestedBy: 'agent:test',
      value: 21,
      unit: 'degC',
    });
    expect((structured.history as { status: string }[]).map((h) => h.status)).toEqual([
      'requested',
      'accepted',
      'acknowledged',
    ]);
    expectProvenance(structured, {
      'control-commands': ['controlCommands', 'controlDecisions', 'controlOutcomes'],
    });
    expect(text).toContain('acknowledged');
  });

  it('answers unknown buildings and commands with sentences saying where to find ids', async () => {
    for (const [name, args] of [
      [TOOL_NAMES.queryConsumption, { ...TWO_DAYS, bucket: '1d' }],
      [TOOL_NAMES.compareToPeers, TWO_DAYS],
      [TOOL_NAMES.weatherImpact, TWO_DAYS],
      [TOOL_NAMES.listAnomalies, {}],
      [TOOL_NAMES.dataQualityReport, TWO_DAYS],
    ] as const) {
      const result = await call(name, { buildingId: 'Office_Nobody', ...args });
      expect(result.isError, name).toBe(true);
      expect(result.text, name).toContain("No building 'Office_Nobody' is known");
      expect(result.text, name).toContain('eaio://buildings/{id}');
    }
    const command = await call(TOOL_NAMES.getCommandStatus, { commandId: randomUUID() });
    expect(command.isError).toBe(true);
    expect(command.text).toContain('is known: no request, decision or outcome');
  });

  it("answers the readers' range limits with what to change, and malformed arguments with a validation error", async () => {
    const empty = await call(TOOL_NAMES.queryConsumption, {
      buildingId: 'Office_A',
      from: iso(START),
      to: iso(START),
      bucket: '1h',
    });
    expect(empty.isError).toBe(true);
    expect(empty.text).toMatch(/^These arguments cannot be answered: the range is empty/);
    const tooMany = await call(TOOL_NAMES.queryConsumption, {
      buildingId: 'Office_A',
      from: iso(START),
      to: iso(START + 60 * DAY),
      bucket: '15m',
    });
    expect(tooMany.text).toContain("narrow the range or use bucket '1h'");
    const tooFew = await call(TOOL_NAMES.weatherImpact, { buildingId: 'Office_A', ...TWO_DAYS });
    expect(tooFew.isError).toBe(true);
    expect(tooFew.text).toMatch(/only 2 day\(s\).*widen the range/);
    const noStation = await call(TOOL_NAMES.weatherImpact, { buildingId: 'Office_B', ...TWO_DAYS });
    expect(noStation.text).toContain('has no weather station');

    const badBucket = await call(TOOL_NAMES.queryConsumption, {
      buildingId: 'Office_A',
      ...TWO_DAYS,
      bucket: '5m',
    });
    expect(badBucket.isError).toBe(true);
    expect(badBucket.text).toContain('Input validation error');
    expect(badBucket.text).toContain('bucket');
    const badTime = await call(TOOL_NAMES.dataQualityReport, {
      buildingId: 'Office_A',
      from: 'yesterday',
      to: TWO_DAYS.to,
    });
    expect(badTime.isError).toBe(true);
    expect(badTime.text).toContain('from');
  });
});
