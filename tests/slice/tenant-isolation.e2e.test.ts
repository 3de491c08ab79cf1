import { randomUUID } from 'node:crypto';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerMeta,
  BUILDING_URI_TEMPLATE,
  BUILDINGS_URI,
  createMcpServerFactory,
  METER_LATEST_URI_TEMPLATE,
  type PrincipalClaims,
  ROLE_SCOPES,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer, createToolResultCache, type QueryLayer } from '../../projections/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { DAY, HOUR, produce, START } from '../support/query-data-set.ts';
import {
  idsOf,
  metersOf,
  type RunningTenantDataSet,
  registrationOf,
  startTenantDataSet,
  TENANT_BUILDINGS,
  tenantObservations,
  tenantReadings,
} from '../support/tenant-data-set.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const TWO_DAYS = { from: iso(START), to: iso(START + 2 * DAY) };
/** The servers' clock: 11:00 in New York on 2016-03-02, so T1_A's "today" is that local day. */
const NOW = START + 40 * HOUR;

interface Answer {
  readonly isError: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown>;
}

/** A connected MCP client of a server built for one principal, as the HTTP transport would build it. */
interface Caller {
  readonly client: Client;
  call(name: string, args: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

/** An answer's text with `id` replaced, to compare a refusal about one id with one about another. */
const masked = (text: string, id: string) => text.replaceAll(id, '<id>');

/** The readings of T1_A's local day [from, to), summed per kind: what get_building must answer. */
function expectedToday(readings: readonly SensorReading[], from: number, to: number) {
  const byKind = new Map<string, number>();
  for (const r of readings) {
    const t = r.occurredAt.getTime();
    if (r.buildingId === 'T1_A' && t >= from && t < to)
      byKind.set(r.meterKind, (byKind.get(r.meterKind) ?? 0) + r.value);
  }
  return byKind;
}

/** EUI over the two days and its percent_rank among `peers` (ids), as compare_to_peers computes them. */
function expectedRank(readings: readonly SensorReading[], buildingId: string, peers: readonly string[]) {
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
  const mine = eui(buildingId);
  const all = peers.map(eui);
  return {
    eui: mine,
    count: all.length,
    percentile: (100 * all.filter((x) => x < mine).length) / (all.length - 1),
  };
}

describe('tenant isolation through a real MCP client: Kafka -> processors -> projector -> query layer -> MCP', () => {
  let platform: TestPlatform;
  let dataSet: RunningTenantDataSet;
  let t1: Caller;
  let t2: Caller;
  let admin: Caller;
  let queries: QueryLayer;
  const readings = tenantReadings();
  const commands = { t1: randomUUID(), t2: randomUUID() };

  async function connect(claims: PrincipalClaims | undefined): Promise<Caller> {
    const factory = createMcpServerFactory(queries, { now: () => NOW });
    // Without authInfo the server serves its local principal (every tenant), as over stdio.
    const context: McpRequestContext =
      claims === undefined
        ? { era: 'modern' }
        : {
            era: 'modern',
            authInfo: {
              token: 'verified-elsewhere',
              clientId: claims.subject,
              scopes: [...ROLE_SCOPES[claims.role]],
              extra: { ...claims },
            },
          };
    const server = (await factory(context)) as McpServer;
    const client = new Client({ name: `eaio-tenants-${claims?.subject ?? 'local'}`, version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    return {
      client,
      async call(name, args) {
        const result = await client.callTool({ name, arguments: args });
        const text = (result.content as { type: string; text?: string }[])
          .map((c) => c.text ?? '')
          .join('\n');
        return {
          isError: result.isError === true,
          text,
          structured: (result.structuredContent ?? {}) as Record<string, unknown>,
        };
      },
      async close() {
        await client.close();
        await server.close();
      },
    };
  }

  beforeAll(async () => {
    platform = await createTestPlatform('tenants');
    dataSet = await startTenantDataSet(platform, readings, commands);
    // As `npm start` wires it: the tool-result cache the projector invalidates (the tenant check is cached).
    queries = createQueryLayer({ ...platform, cache: createToolResultCache({ redis: platform.redis }) });
    t1 = await connect({ subject: 'analyst-1', role: 'analyst', tenant: 't1' });
    t2 = await connect({ subject: 'analyst-2', role: 'analyst', tenant: 't2' });
    admin = await connect(undefined);
    await waitFor('anomalies, issues, commands and weather projected', async () => {
      const answers = await Promise.all([
        ...['T1_A', 'T2_A'].flatMap((buildingId) => [
          admin.call(TOOL_NAMES.listAnomalies, { buildingId }),
          admin.call(TOOL_NAMES.dataQualityReport, { buildingId, ...TWO_DAYS }),
          admin.call(TOOL_NAMES.weatherImpact, { buildingId, ...TWO_DAYS, sampleBy: 'hour' }),
          admin.call(TOOL_NAMES.getCurrentWeather, { buildingId }),
        ]),
        admin.call(TOOL_NAMES.getCommandStatus, { commandId: commands.t1 }),
        admin.call(TOOL_NAMES.getCommandStatus, { commandId: commands.t2 }),
      ]);
      const done = answers.every(
        (a) =>
          !a.isError &&
          ((a.structured.anomalies as unknown[] | undefined)?.length ?? 1) === 1 &&
          (a.structured.totalIssues ?? 1) === 1 &&
          (a.structured.hours ?? 48) === 48 &&
          ((a.structured.history as unknown[] | undefined)?.length ?? 3) === 3 &&
          (a.structured.observedAt ?? iso(START + 39 * HOUR)) === iso(START + 39 * HOUR),
      );
      return done ? true : undefined;
    });
  }, 300_000);

  afterAll(async () => {
    await t1?.close();
    await t2?.close();
    await admin?.close();
    await dataSet?.stop();
    await platform?.dispose();
  });

  /** Every building tool, asked about one building. */
  const buildingQuestions = (buildingId: string): [string, Record<string, unknown>][] => [
    [TOOL_NAMES.getLatestReadings, { buildingId }],
    [TOOL_NAMES.queryConsumption, { buildingId, ...TWO_DAYS, bucket: '1d' }],
    [TOOL_NAMES.compareToPeers, { buildingId, ...TWO_DAYS }],
    [TOOL_NAMES.weatherImpact, { buildingId, ...TWO_DAYS, sampleBy: 'hour' }],
    [TOOL_NAMES.listAnomalies, { buildingId }],
    [TOOL_NAMES.dataQualityReport, { buildingId, ...TWO_DAYS }],
    [TOOL_NAMES.getBuilding, { buildingId }],
    [TOOL_NAMES.getCurrentWeather, { buildingId }],
  ];

  it("every building tool answers t1's analyst about T1_A, and t2's analyst exactly as about an unknown id", async () => {
    for (const [tool, args] of buildingQuestions('T1_A')) {
      const own = await t1.call(tool, args);
      expect(own.isError, `${tool}: ${own.text}`).toBe(false);
      expect(own.text).toContain('T1_A');

      const foreign = await t2.call(tool, args);
      const unknown = await t2.call(tool, { ...args, buildingId: 'T9_Nope' });
      expect(foreign.isError, tool).toBe(true);
      expect(unknown.isError, tool).toBe(true);
      expect(masked(foreign.text, 'T1_A'), tool).toBe(masked(unknown.text, 'T9_Nope'));
      expect(foreign.structured, tool).toEqual({});
    }
  });

  it("a command of another tenant's building answers as an unknown command", async () => {
    const own = await t1.call(TOOL_NAMES.getCommandStatus, { commandId: commands.t1 });
    expect(own.isError).toBe(false);
    expect(own.structured.buildingId).toBe('T1_A');
    expect(own.structured.status).toBe('acknowledged');

    const foreign = await t1.call(TOOL_NAMES.getCommandStatus, { commandId: commands.t2 });
    const never = randomUUID();
    const unknown = await t1.call(TOOL_NAMES.getCommandStatus, { commandId: never });
    expect(foreign.isError).toBe(true);
    expect(masked(foreign.text, commands.t2)).toBe(masked(unknown.text, never));
    expect(foreign.text).not.toContain('T2_A');
  });

  it('list_buildings walks every page of the caller’s buildings once, in id order, and no one else’s', async () => {
    for (const [caller, tenant] of [
      [t1, 't1'],
      [t2, 't2'],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await caller.call(TOOL_NAMES.listBuildings, {
          limit: 2,
          ...(cursor === undefined ? {} : { cursor }),
        });
        expect(page.isError, page.text).toBe(false);
        const ids = (page.structured.buildings as { buildingId: string }[]).map((b) => b.buildingId);
        expect(ids.length).toBeLessThanOrEqual(2);
        seen.push(...ids);
        cursor = page.structured.nextCursor as string | undefined;
        expectProvenanceOf(page.structured, ['buildings']);
        pages++;
      } while (cursor !== undefined && pages < 10);
      const expected = idsOf(tenant).sort();
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    }
    const offices = await t1.call(TOOL_NAMES.listBuildings, { primaryUse: 'office', siteId: 'west' });
    expect((offices.structured.buildings as { buildingId: string }[]).map((b) => b.buildingId)).toEqual([
      'T1_B',
      'T1_E',
    ]);
    const text = await t2.call(TOOL_NAMES.listBuildings, { text: 't1_' });
    expect(text.structured.buildings).toEqual([]);
    const harbour = await t2.call(TOOL_NAMES.listBuildings, { text: 'HARB' });
    expect((harbour.structured.buildings as unknown[]).length).toBe(2);
    const everyone = await admin.call(TOOL_NAMES.listBuildings, {});
    expect((everyone.structured.buildings as { buildingId: string }[]).map((b) => b.buildingId)).toEqual(
      TENANT_BUILDINGS.map((b) => b.buildingId).sort(),
    );
    const bad = await t1.call(TOOL_NAMES.listBuildings, { cursor: 'not-a-cursor' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('cursor');
  });

  function expectProvenanceOf(structured: Record<string, unknown>, models: string[]) {
    const meta = structured as unknown as AnswerMeta;
    expect(meta.provenance.map((p) => p.readModel)).toEqual(models);
    for (const p of meta.provenance) {
      expect(p.generation, p.readModel).toBe(1);
      expect(p.offsets.length, p.readModel).toBeGreaterThan(0);
    }
    expect(meta.stale).toBe(false);
  }

  it('compare_to_peers ranks among the caller’s buildings only and never names another tenant’s', async () => {
    const mine = await t1.call(TOOL_NAMES.compareToPeers, { buildingId: 'T1_A', ...TWO_DAYS });
    const t1Offices = ['T1_A', 'T1_B', 'T1_C', 'T1_E'];
    const expected = expectedRank(readings, 'T1_A', t1Offices);
    expect((mine.structured.peers as { count: number }).count).toBe(expected.count);
    expect(mine.structured.eui).toBeCloseTo(expected.eui, 6);
    expect(mine.structured.percentile).toBeCloseTo(expected.percentile, 6);
    for (const id of [...idsOf('t2'), ...idsOf(null)]) expect(mine.text).not.toContain(id);

    const theirs = await t2.call(TOOL_NAMES.compareToPeers, { buildingId: 'T2_A', ...TWO_DAYS });
    expect((theirs.structured.peers as { count: number }).count).toBe(2);
    expect(theirs.structured.percentile).toBeCloseTo(
      expectedRank(readings, 'T2_A', ['T2_A', 'T2_B']).percentile,
      6,
    );

    const all = await admin.call(TOOL_NAMES.compareToPeers, { buildingId: 'T1_A', ...TWO_DAYS });
    const allOffices = TENANT_BUILDINGS.filter((b) => b.primaryUse === 'Office').map((b) => b.buildingId);
    expect((all.structured.peers as { count: number }).count).toBe(allOffices.length);
    expect(all.structured.percentile).toBeCloseTo(expectedRank(readings, 'T1_A', allOffices).percentile, 6);
  });

  it("get_building's today is the building's local day, summed exactly as the produced readings of it", async () => {
    const { structured, isError, text } = await t1.call(TOOL_NAMES.getBuilding, { buildingId: 'T1_A' });
    expect(isError, text).toBe(false);
    // 11:00 EST on 2016-03-02: the local day runs 05:00Z to 05:00Z the next day.
    const from = Date.UTC(2016, 2, 2, 5);
    const to = Date.UTC(2016, 2, 3, 5);
    const today = structured.today as {
      date: string;
      timeZone: string;
      from: string;
      to: string;
      byKind: { meterKind: string; unit: string; total: number; meters: number }[];
    };
    expect(today).toMatchObject({
      date: '2016-03-02',
      timeZone: 'America/New_York',
      from: iso(from),
      to: iso(to),
    });
    const expected = expectedToday(readings, from, to);
    expect(new Map(today.byKind.map((k) => [k.meterKind, k.total]))).toEqual(expected);
    expect(text).toContain('2016-03-02 in America/New_York');
    // Its meters with the latest produced value (hour 60 closed the windows).
    const latest = (meterId: string) =>
      readings.filter((r) => r.meterId === meterId).reduce((a, b) => (b.occurredAt > a.occurredAt ? b : a));
    expect(structured.meters).toEqual(
      metersOf('T1_A')
        .map((m) => m.meterId)
        .sort()
        .map((meterId) => {
          const r = latest(meterId);
          return {
            meterId,
            meterKind: r.meterKind,
            unit: r.unit,
            latestValue: r.value,
            latestAt: r.occurredAt.toISOString(),
          };
        }),
    );
    expect(structured).toMatchObject({ primaryUse: 'Office', siteId: 'East', weatherStationId: 'ST_1' });
    expectProvenanceOf(structured, ['buildings', 'readings', 'rollups']);
  });

  it('get_current_weather answers the newest produced observation, by building and by station, within the tenant', async () => {
    const newest = tenantObservations()
      .filter((o) => o.stationId === 'ST_1')
      .reduce((a, b) => (b.occurredAt > a.occurredAt ? b : a));
    for (const args of [{ buildingId: 'T1_A' }, { stationId: 'ST_1' }]) {
      const { structured, isError, text } = await t1.call(TOOL_NAMES.getCurrentWeather, args);
      expect(isError, text).toBe(false);
      expect(structured).toMatchObject({
        stationId: 'ST_1',
        observedAt: newest.occurredAt.toISOString(),
        observationAgeMs: NOW - newest.occurredAt.getTime(),
        values: {
          temperatureC: { value: newest.temperatureC, observedAt: newest.occurredAt.toISOString() },
          relativeHumidityPct: { value: newest.relativeHumidityPct },
          conditions: { value: 'Clear' },
        },
      });
      expectProvenanceOf(structured, ['current-weather']);
    }
    const foreign = await t1.call(TOOL_NAMES.getCurrentWeather, { stationId: 'ST_2' });
    const unknown = await t1.call(TOOL_NAMES.getCurrentWeather, { stationId: 'ST_9' });
    expect(foreign.isError).toBe(true);
    expect(masked(foreign.text, 'ST_2')).toBe(masked(unknown.text, 'ST_9'));
    const both = await t1.call(TOOL_NAMES.getCurrentWeather, { stationId: 'ST_1', buildingId: 'T1_A' });
    expect(both.isError).toBe(true);
    expect(both.text).toContain('exactly one');
  });

  it("resources: listing, eaio://buildings and completion hold only the caller's buildings and meters", async () => {
    const listed = (await t1.client.listResources()).resources.map((r) => r.uri);
    expect(listed).toContain(BUILDINGS_URI);
    expect(listed.filter((u) => u.startsWith('eaio://buildings/')).sort()).toEqual(
      idsOf('t1')
        .sort()
        .map((id) => `eaio://buildings/${id}`),
    );
    const all = await t2.client.readResource({ uri: BUILDINGS_URI });
    const body = JSON.parse((all.contents[0] as { text: string }).text) as { buildingId: string }[];
    expect(body.map((b) => b.buildingId)).toEqual(idsOf('t2').sort());

    const complete = async (caller: Caller, uri: string, value: string) =>
      (await caller.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name: 'id', value } }))
        .completion.values;
    expect(await complete(t1, BUILDING_URI_TEMPLATE, 'T')).toEqual(idsOf('t1').sort());
    expect(await complete(t2, BUILDING_URI_TEMPLATE, 'T1')).toEqual([]);
    expect(await complete(t1, METER_LATEST_URI_TEMPLATE, 'T')).toEqual(
      idsOf('t1')
        .flatMap((id) => metersOf(id).map((m) => m.meterId))
        .sort(),
    );
    expect(await complete(t2, METER_LATEST_URI_TEMPLATE, 'T1_A')).toEqual([]);
  });

  it("resources: a building or meter of another tenant reads exactly as an unknown one; the caller's read", async () => {
    const read = async (caller: Caller, uri: string) => {
      try {
        const result = await caller.client.readResource({ uri });
        return { ok: true, text: (result.contents[0] as { text: string }).text };
      } catch (error) {
        return { ok: false, text: error instanceof Error ? error.message : String(error) };
      }
    };
    const own = await read(t1, 'eaio://buildings/T1_A');
    expect(own.ok, own.text).toBe(true);
    expect(JSON.parse(own.text)).toMatchObject({ buildingId: 'T1_A', tenantId: 't1' });
    const foreign = await read(t2, 'eaio://buildings/T1_A');
    const unknown = await read(t2, 'eaio://buildings/T9_Nope');
    expect(foreign.ok).toBe(false);
    expect(masked(foreign.text, 'T1_A')).toBe(masked(unknown.text, 'T9_Nope'));

    const meterUri = (id: string) => `eaio://meters/${encodeURIComponent(id)}/latest`;
    const meter = await read(t1, meterUri('T1_A:elec'));
    expect(meter.ok, meter.text).toBe(true);
    const last = readings
      .filter((r) => r.meterId === 'T1_A:elec')
      .reduce((a, b) => (b.occurredAt > a.occurredAt ? b : a));
    expect(JSON.parse(meter.text)).toMatchObject({
      meterId: 'T1_A:elec',
      buildingId: 'T1_A',
      value: last.value,
      occurredAt: last.occurredAt.toISOString(),
      stale: false,
    });
    const foreignMeter = await read(t2, meterUri('T1_A:elec'));
    const unknownMeter = await read(t2, meterUri('T9_Nope:elec'));
    expect(foreignMeter.ok).toBe(false);
    expect(masked(foreignMeter.text, encodeURIComponent('T1_A:elec')).replaceAll('T1_A:elec', '<id>')).toBe(
      masked(unknownMeter.text, encodeURIComponent('T9_Nope:elec')).replaceAll('T9_Nope:elec', '<id>'),
    );
  });

  // Last: it moves a building to the other tenant.
  it('a building registered anew under another tenant moves at once: the cached tenant check is invalidated by the registration', async () => {
    const ask = (caller: Caller) => caller.call(TOOL_NAMES.getLatestReadings, { buildingId: 'T1_E' });
    expect((await ask(t1)).isError).toBe(false);
    // t2 is refused, and the tenant it was refused for is now cached.
    expect((await ask(t2)).isError).toBe(true);
    const moved = TENANT_BUILDINGS.find((b) => b.buildingId === 'T1_E');
    if (moved === undefined) throw new Error('T1_E is in the data set');
    await produce(platform, 'buildings', [registrationOf({ ...moved, tenantId: 't2' })], (b) => b.buildingId);
    await waitFor('T1_E seen by t2', async () => ((await ask(t2)).isError ? undefined : true));
    const old = await ask(t1);
    const unknown = await t1.call(TOOL_NAMES.getLatestReadings, { buildingId: 'T9_Nope' });
    expect(old.isError).toBe(true);
    expect(masked(old.text, 'T1_E')).toBe(masked(unknown.text, 'T9_Nope'));
  });
});
