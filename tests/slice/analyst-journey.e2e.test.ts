import { randomUUID } from 'node:crypto';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAuditTrail, platformMcpServerFactory } from '../../app/index.ts';
import {
  type AnswerMeta,
  createMcpServerFactory,
  type RunningMcpHttpServer,
  type RunningToolAuditTrail,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import {
  auditLogProjection,
  createQueryLayer,
  createToolResultCache,
  latestReadingsProjection,
  queryAuditRecords,
} from '../../projections/index.ts';
import type { AuditRecord, SensorReading, TopicKey } from '../../schemas/index.ts';
import { commandLifecycle, DAY, HOUR, START } from '../support/query-data-set.ts';
import {
  idsOf,
  type RunningTenantDataSet,
  startTenantDataSet,
  TENANT_BUILDINGS,
  tenantReadings,
  tenantWeatherHours,
} from '../support/tenant-data-set.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Issue 11's "Done when", as a deployment runs it: buildings of two tenants, their readings,
 * anomalies, data-quality issues, a command each and weather produced to Kafka, aggregated by
 * `reading-aggregates` and projected by the real projector; the MCP server built as `npm start`
 * builds it (query layer, tool-result cache, Redis rate limits, the Kafka audit trail), served over
 * Streamable HTTP behind JWT auth. An analyst of t1 answers every question about its building, with
 * provenance; an analyst of t2 asking the same learns nothing; every call is in the audit log.
 */

const iso = (ms: number) => new Date(ms).toISOString();
const TWO_DAYS = { from: iso(START), to: iso(START + 2 * DAY) };
/** The data's last week, by whole days: the seven days up to the end of its last complete day. */
const LAST_WEEK = { from: iso(START + 2 * DAY - 7 * DAY), to: iso(START + 2 * DAY) };
const BUILDING = 'T1_A';
const UNKNOWN_BUILDING = 'T9_Nope';

interface Answer {
  readonly isError: boolean;
  readonly text: string;
  /** The structured content; empty when there is none (a refusal). */
  readonly structured: Record<string, unknown>;
}

interface Caller {
  readonly client: Client;
  call(name: string, args: Record<string, unknown>): Promise<Answer>;
}

/** One tool call as the test made it, to be found again in the audit log. */
interface Made {
  readonly actor: string;
  readonly tool: string;
  readonly isError: boolean;
}

/** An answer's text with `id` replaced, to compare a refusal about one id with one about another. */
const masked = (text: string, id: string) => text.replaceAll(id, '<id>');

/** The readings of T1_A's meter of `kind` in `[from, to)`. */
const readingsOf = (readings: readonly SensorReading[], meterKind: string, from: number, to: number) =>
  readings.filter(
    (r) =>
      r.buildingId === BUILDING &&
      r.meterKind === meterKind &&
      r.occurredAt.getTime() >= from &&
      r.occurredAt.getTime() < to,
  );

/** EUI over the two days and its percent_rank among `peers`, computed from the produced readings. */
function expectedRank(readings: readonly SensorReading[], peers: readonly string[]) {
  const eui = (id: string) => {
    const area = TENANT_BUILDINGS.find((b) => b.buildingId === id)?.floorAreaM2 ?? Number.NaN;
    const sum = readings
      .filter(
        (r) =>
          r.buildingId === id && r.meterKind === 'electricity' && r.occurredAt.getTime() < START + 2 * DAY,
      )
      .reduce((s, r) => s + r.value, 0);
    return (sum / area) * (365 / 2);
  };
  const mine = eui(BUILDING);
  const all = peers.map(eui);
  return {
    eui: mine,
    count: all.length,
    percentile: (100 * all.filter((x) => x < mine).length) / (all.length - 1),
  };
}

/** Ordinary least squares of T1_A's hourly electricity on its station's heating degree-hours (base 15.5 °C). */
function expectedHeatingFit(readings: readonly SensorReading[]) {
  const hdd = new Map(
    tenantWeatherHours()
      .filter((w) => w.stationId === 'ST_1')
      .map((w) => [w.occurredAt.getTime(), Math.max(0, 15.5 - (w.temperatureC ?? 15.5))]),
  );
  const points = readingsOf(readings, 'electricity', START, START + 2 * DAY).map((r) => ({
    x: hdd.get(r.occurredAt.getTime()) ?? Number.NaN,
    y: r.value,
  }));
  const n = points.length;
  const mean = (f: (p: { x: number; y: number }) => number) => points.reduce((s, p) => s + f(p), 0) / n;
  const mx = mean((p) => p.x);
  const my = mean((p) => p.y);
  const slope = mean((p) => (p.x - mx) * (p.y - my)) / mean((p) => (p.x - mx) ** 2);
  const base = my - slope * mx;
  const residual = points.reduce((s, p) => s + (p.y - base - slope * p.x) ** 2, 0);
  const total = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  return { n, slope, base, r2: 1 - residual / total, actual: points.reduce((s, p) => s + p.y, 0) };
}

describe("issue 11 done: a tenant's analyst answers every question from Kafka-fed read models with provenance, another tenant's learns nothing, every call audited", () => {
  let platform: TestPlatform;
  let dataSet: RunningTenantDataSet;
  let trail: RunningToolAuditTrail;
  let mcp: RunningMcpHttpServer;
  let t1: Caller;
  let t2: Caller;
  let viewer: Caller;
  const made: Made[] = [];
  const readings = tenantReadings();
  const commands = { t1: randomUUID(), t2: randomUUID() };
  const t1Lifecycle = commandLifecycle(commands.t1);

  function caller(client: Client, actor: string): Caller {
    return {
      client,
      async call(name, args) {
        const result = await client.callTool({ name, arguments: args });
        const answer = {
          isError: result.isError === true,
          text: (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n'),
          structured: (result.structuredContent ?? {}) as Record<string, unknown>,
        };
        made.push({ actor, tool: name, isError: answer.isError });
        return answer;
      },
    };
  }

  /** The answer names these read models, each at generation 1 with offsets on the topics it projects, and is fresh. */
  function expectProvenance(
    structured: Record<string, unknown> | undefined,
    models: Record<string, TopicKey[]>,
  ) {
    const meta = structured as unknown as AnswerMeta;
    expect(meta.provenance.map((p) => p.readModel)).toEqual(Object.keys(models));
    for (const p of meta.provenance) {
      const topics = (models[p.readModel] ?? []).map((k) => platform.names.topic(k));
      expect(p.generation, p.readModel).toBe(1);
      expect(p.offsets.length, p.readModel).toBeGreaterThan(0);
      for (const o of p.offsets) {
        expect(topics, p.readModel).toContain(o.topic);
        expect(BigInt(o.nextOffset)).toBeGreaterThan(0n);
      }
    }
    expect(Date.parse(meta.dataUntil ?? '')).not.toBeNaN();
    expect(meta.stale).toBe(false);
    expect(meta).not.toHaveProperty('staleSince');
  }

  beforeAll(async () => {
    platform = await createTestPlatform('journey');
    // One projector group with the read models the tools read and the audit log, as `npm start` runs it.
    dataSet = await startTenantDataSet(platform, readings, commands, [
      latestReadingsProjection,
      auditLogProjection,
    ]);

    // Readiness is polled on an unaudited in-process server, so the audit log holds only the journey's calls.
    const probeServer = (await createMcpServerFactory(createQueryLayer(platform))({
      era: 'modern',
    })) as McpServer;
    const probe = new Client({ name: 'eaio-journey-probe', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await probeServer.connect(serverSide);
    await probe.connect(clientSide);
    const ask = async (name: string, args: Record<string, unknown>) =>
      (await probe.callTool({ name, arguments: args })).structuredContent as
        | Record<string, unknown>
        | undefined;
    await waitFor('anomalies, issues, the command, weather and latest readings projected', async () => {
      const [anomalies, quality, status, weather, latest] = await Promise.all([
        ask(TOOL_NAMES.listAnomalies, { buildingId: BUILDING }),
        ask(TOOL_NAMES.dataQualityReport, { buildingId: BUILDING, ...TWO_DAYS }),
        ask(TOOL_NAMES.getCommandStatus, { commandId: commands.t1 }),
        ask(TOOL_NAMES.weatherImpact, { buildingId: BUILDING, ...TWO_DAYS, sampleBy: 'hour' }),
        ask(TOOL_NAMES.getLatestReadings, { buildingId: BUILDING }),
      ]);
      const newest = (latest?.readings as { occurredAt: string }[] | undefined) ?? [];
      return (anomalies?.anomalies as unknown[] | undefined)?.length === 1 &&
        quality?.totalIssues === 1 &&
        (status?.history as unknown[] | undefined)?.length === 3 &&
        weather?.hours === 48 &&
        newest.length === 2 &&
        newest.every((r) => r.occurredAt === iso(START + 60 * HOUR))
        ? true
        : undefined;
    });
    await probe.close();
    await probeServer.close();

    // The server of `npm start`: query layer, tool-result cache, Redis rate limits, Kafka audit trail.
    trail = createPlatformAuditTrail(platform);
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: platformMcpServerFactory(platform, {
        cache: createToolResultCache({ redis: platform.redis }),
        audit: trail,
      }),
      logger: platform.logger,
    });
    const connect = async (sub: string, role: string, tenant: string) =>
      caller(
        await connectWithToken(mcp.url, await identity.token({ sub, role, tenant }), `eaio-${sub}`),
        sub,
      );
    t1 = await connect('analyst-t1', 'analyst', 't1');
    t2 = await connect('analyst-t2', 'analyst', 't2');
    viewer = await connect('viewer-t1', 'viewer', 't1');
  }, 240_000);

  afterAll(async () => {
    for (const c of [t1, t2, viewer]) await c?.client.close();
    await mcp?.close();
    await trail?.close();
    await dataSet?.stop();
    await platform?.dispose();
  });

  it('what T1_A uses now: the newest produced reading of each of its meters', async () => {
    const { isError, structured, text } = await t1.call(TOOL_NAMES.getLatestReadings, {
      buildingId: BUILDING,
    });
    expect(isError, text).toBe(false);
    const newest = (meterId: string) =>
      readings.filter((r) => r.meterId === meterId).reduce((a, b) => (b.occurredAt > a.occurredAt ? b : a));
    expect(structured.readings).toEqual(
      ['T1_A:chw', 'T1_A:elec'].map((meterId) => {
        const r = newest(meterId);
        return {
          meterId,
          meterKind: r.meterKind,
          value: r.value,
          unit: r.unit,
          occurredAt: r.occurredAt.toISOString(),
        };
      }),
    );
    // Regression: get_latest_readings once answered without any provenance.
    expectProvenance(structured, { 'latest-readings': ['sensorReadings'] });
    expect(structured.dataUntil).toBe(iso(START + 60 * HOUR));
  });

  it('what it used last week by day: each day and meter kind summed exactly as the produced readings', async () => {
    const { isError, structured, text } = await t1.call(TOOL_NAMES.queryConsumption, {
      buildingId: BUILDING,
      ...LAST_WEEK,
      bucket: '1d',
    });
    expect(isError, text).toBe(false);
    const expected = [0, 1].flatMap((d) =>
      (['chilled_water', 'electricity'] as const).map((kind) => {
        const day = readingsOf(readings, kind, START + d * DAY, START + (d + 1) * DAY);
        return {
          start: iso(START + d * DAY),
          end: iso(START + (d + 1) * DAY),
          meterKind: kind,
          unit: day[0]?.unit,
          total: day.reduce((s, r) => s + r.value, 0),
          readings: day.length,
          meters: 1,
        };
      }),
    );
    const byDayAndKind = (a: { start: string; meterKind: string }, b: { start: string; meterKind: string }) =>
      `${a.start}${a.meterKind}`.localeCompare(`${b.start}${b.meterKind}`);
    expect([...(structured.buckets as { start: string; meterKind: string }[])].sort(byDayAndKind)).toEqual(
      expected,
    );
    expect(structured.dataUntil).toBe(iso(START + 2 * DAY));
    expectProvenance(structured, { rollups: ['readingAggregates'] });
  });

  it("how it ranks among its peers: EUI and percentile among t1's offices only", async () => {
    const { isError, structured, text } = await t1.call(TOOL_NAMES.compareToPeers, {
      buildingId: BUILDING,
      ...TWO_DAYS,
    });
    expect(isError, text).toBe(false);
    const expected = expectedRank(readings, ['T1_A', 'T1_B', 'T1_C', 'T1_E']);
    expect(structured.eui).toBeCloseTo(expected.eui, 6);
    expect(structured.percentile).toBeCloseTo(expected.percentile, 6);
    expect((structured.peers as { count: number }).count).toBe(expected.count);
    for (const id of [...idsOf('t2'), ...idsOf(null)]) expect(text).not.toContain(id);
    // Regression: compare_to_peers once answered dataUntil null; it is the end of the newest daily window ranked.
    expectProvenance(structured, { rollups: ['readingAggregates'], buildings: ['buildings'] });
    expect(structured.dataUntil).toBe(iso(START + 2 * DAY));
  });

  it('how much of its use is weather: the degree-hour fit of its readings on its station’s temperatures', async () => {
    const { isError, structured, text } = await t1.call(TOOL_NAMES.weatherImpact, {
      buildingId: BUILDING,
      ...TWO_DAYS,
      sampleBy: 'hour',
    });
    expect(isError, text).toBe(false);
    const fit = expectedHeatingFit(readings);
    const model = structured.model as {
      base: number;
      heatingSlope: number;
      coolingSlope: number;
      r2: number;
    };
    expect(model.base).toBeCloseTo(fit.base, 6);
    expect(model.heatingSlope).toBeCloseTo(fit.slope, 6);
    expect(model.coolingSlope).toBe(0);
    expect(model.r2).toBeCloseTo(fit.r2, 6);
    expect(structured).toMatchObject({
      stationId: 'ST_1',
      meterKind: 'electricity',
      hours: fit.n,
      actual: fit.actual,
    });
    expect(structured.predicted).toBeCloseTo(fit.actual, 6);
    expectProvenance(structured, {
      rollups: ['readingAggregates'],
      weather: ['weatherHourly'],
      buildings: ['buildings'],
    });
  });

  it('which anomalies and data-quality issues it has: the ones produced on its meters', async () => {
    const anomalies = await t1.call(TOOL_NAMES.listAnomalies, { buildingId: BUILDING });
    expect(anomalies.isError, anomalies.text).toBe(false);
    expect(anomalies.structured.anomalies).toEqual([
      expect.objectContaining({ meterId: 'T1_A:elec', score: 7, readingAt: iso(START + 3 * HOUR) }),
    ]);
    expect(anomalies.structured.dataUntil).toBe(iso(START + 3 * HOUR));
    expectProvenance(anomalies.structured, { anomalies: ['anomalies'] });

    const quality = await t1.call(TOOL_NAMES.dataQualityReport, { buildingId: BUILDING, ...TWO_DAYS });
    expect(quality.isError, quality.text).toBe(false);
    expect(quality.structured.totalIssues).toBe(1);
    expect(
      (quality.structured.byKind as { issueKind: string; count: number }[]).map((k) => [
        k.issueKind,
        k.count,
      ]),
    ).toEqual([['spike', 1]]);
    expect(quality.structured.readingsPerMeter).toEqual(
      ['T1_A:chw', 'T1_A:elec'].map((meterId) => ({
        meterId,
        readings: readings.filter((r) => r.meterId === meterId && r.occurredAt.getTime() < START + 2 * DAY)
          .length,
      })),
    );
    expectProvenance(quality.structured, {
      'data-quality-issues': ['dataQualityIssues'],
      readings: ['sensorReadings'],
    });
  });

  it('what happened to a command: its request, decision and outcome', async () => {
    const { isError, structured, text } = await t1.call(TOOL_NAMES.getCommandStatus, {
      commandId: commands.t1,
    });
    expect(isError, text).toBe(false);
    expect(structured).toMatchObject({
      commandId: commands.t1,
      buildingId: BUILDING,
      status: t1Lifecycle.outcome.outcome,
      requestedBy: t1Lifecycle.requested.requestedBy,
      value: t1Lifecycle.requested.value,
      unit: t1Lifecycle.requested.unit,
    });
    expect((structured.history as { status: string }[]).map((h) => h.status)).toEqual([
      'requested',
      t1Lifecycle.decided.decision,
      t1Lifecycle.outcome.outcome,
    ]);
    expectProvenance(structured, {
      'control-commands': ['controlCommands', 'controlDecisions', 'controlOutcomes'],
    });
  });

  it("t2's analyst asking the same questions about T1_A gets what a made-up id gets, and lists none of t1's buildings", async () => {
    const questions = (buildingId: string): [string, Record<string, unknown>][] => [
      [TOOL_NAMES.getLatestReadings, { buildingId }],
      [TOOL_NAMES.queryConsumption, { buildingId, ...LAST_WEEK, bucket: '1d' }],
      [TOOL_NAMES.compareToPeers, { buildingId, ...TWO_DAYS }],
      [TOOL_NAMES.weatherImpact, { buildingId, ...TWO_DAYS, sampleBy: 'hour' }],
      [TOOL_NAMES.listAnomalies, { buildingId }],
      [TOOL_NAMES.dataQualityReport, { buildingId, ...TWO_DAYS }],
    ];
    const unknownAnswers = new Map(
      await Promise.all(
        questions(UNKNOWN_BUILDING).map(async ([tool, args]) => [tool, await t2.call(tool, args)] as const),
      ),
    );
    for (const [tool, args] of questions(BUILDING)) {
      const foreign = await t2.call(tool, args);
      const unknown = unknownAnswers.get(tool);
      expect(foreign.isError, tool).toBe(true);
      expect(unknown?.isError, tool).toBe(true);
      expect(masked(foreign.text, BUILDING), tool).toBe(masked(unknown?.text ?? '', UNKNOWN_BUILDING));
      expect(foreign.structured, tool).toEqual({});
    }

    const never = randomUUID();
    const foreignCommand = await t2.call(TOOL_NAMES.getCommandStatus, { commandId: commands.t1 });
    const unknownCommand = await t2.call(TOOL_NAMES.getCommandStatus, { commandId: never });
    expect(foreignCommand.isError).toBe(true);
    expect(unknownCommand.isError).toBe(true);
    expect(masked(foreignCommand.text, commands.t1)).toBe(masked(unknownCommand.text, never));
    expect(foreignCommand.text).not.toContain(BUILDING);
    expect(foreignCommand.structured).toEqual({});

    const listed = await t2.call(TOOL_NAMES.listBuildings, {});
    expect(listed.isError, listed.text).toBe(false);
    const ids = (listed.structured.buildings as { buildingId: string }[]).map((b) => b.buildingId);
    expect(ids).toEqual(idsOf('t2').sort());
    for (const id of idsOf('t1')) expect(listed.text).not.toContain(id);
  });

  it('a viewer is not shown weather_impact, and a call of it is refused naming the scope', async () => {
    const tools = (await viewer.client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain(TOOL_NAMES.getLatestReadings);
    expect(tools).not.toContain(TOOL_NAMES.weatherImpact);
    const refused = await viewer.call(TOOL_NAMES.weatherImpact, {
      buildingId: BUILDING,
      ...TWO_DAYS,
      sampleBy: 'hour',
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/needs the scope 'weather:read'.*no data was read/);
    expect(refused.structured).toEqual({});
  });

  // Last: it counts every call the tests above made.
  it('every call of every client is an AuditRecord on audit-log and a row in audit_records, with actor, tenant, tool and outcome', async () => {
    const outcomeOf = (m: Made) => (!m.isError ? 'success' : m.actor === 'viewer-t1' ? 'denied' : 'failure');
    const expected = made.map((m) => `${m.actor} ${m.tool} ${outcomeOf(m)}`).sort();
    // t1: seven answers; t2: thirteen refusals and its own building list; the viewer: one denial.
    expect(made.filter((m) => m.actor === 'analyst-t1' && !m.isError)).toHaveLength(7);
    expect(made.filter((m) => m.actor === 'analyst-t2').map((m) => m.isError)).toEqual([
      ...Array(14).fill(true),
      false,
    ]);
    expect(made.filter((m) => m.actor === 'viewer-t1')).toHaveLength(1);

    await trail.flush();
    const topic = platform.names.topic('auditLog');
    const messages = await platform.readAll(topic, made.length);
    expect(messages).toHaveLength(made.length);
    const records: AuditRecord[] = [];
    for (const m of messages) records.push((await platform.codec.decode('auditLog', m.value)).value);
    expect(records.map((r) => `${r.actor} ${r.target} ${r.outcome}`).sort()).toEqual(expected);
    const tenantOf: Record<string, string> = { 'analyst-t1': 't1', 'analyst-t2': 't2', 'viewer-t1': 't1' };
    for (const r of records) {
      expect(r.action).toBe('mcp.tool.call');
      expect(r.details.tenant, r.actor).toBe(tenantOf[r.actor]);
      expect(r.details.role, r.actor).toBe(r.actor === 'viewer-t1' ? 'viewer' : 'analyst');
      if (r.outcome === 'success') expect(r.details.provenance, r.target).toMatch(/@g1 /);
      else expect(r.details.errorCode, r.target).toBeDefined();
    }

    const rows = await waitFor(`${made.length} audit rows projected`, async () => {
      const all = await queryAuditRecords(platform.pool, { limit: 1_000 });
      return all.length >= made.length ? all : undefined;
    });
    expect(rows.map((r) => `${r.actor} ${r.target} ${r.outcome}`).sort()).toEqual(expected);
    for (const r of rows) expect(r.tenant, r.actor).toBe(tenantOf[r.actor]);
  });
});
