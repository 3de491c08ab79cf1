import { describe, expect, it } from 'vitest';
import {
  type AnyTool,
  getBuilding,
  getCommandStatus,
  getCurrentWeather,
  getLatestReadings,
  LOCAL_ADMIN,
  listBuildings,
  type McpReads,
  type Principal,
  principal,
  runTool,
} from '../../mcp-adapter/index.ts';
import type {
  Answer,
  BuildingListing,
  BuildingView,
  CommandStatusView,
  CurrentWeather,
  Provenance,
} from '../../projections/index.ts';

// Hand-written query layers: each handle() tested without a server or a database.

const NOW = Date.parse('2016-03-02T16:00:00Z');
const T1 = principal('analyst-1', 'analyst', 't1');
const provenance = (projection: string): Provenance[] => [
  {
    projection,
    generation: 1,
    offsets: [{ topic: 't', partition: 0, nextOffset: '9' }],
    lastAppliedAt: null,
  },
];
const fresh = <T>(data: T, projection: string, dataUntil: Date | null = null): Answer<T> => ({
  data,
  provenance: provenance(projection),
  dataUntil,
  stale: false,
});

/** Buildings and their tenants as the fake query layer knows them. */
const TENANTS: Record<string, string> = { T1_A: 't1', T1_B: 't1', T2_A: 't2' };

function reads(overrides: Partial<McpReads>): McpReads {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected ${name}`));
  return {
    latestReadings: unexpected('latestReadings'),
    latestReadingsAnswer: unexpected('latestReadingsAnswer'),
    building: unexpected('building'),
    buildingIds: unexpected('buildingIds'),
    meterIds: unexpected('meterIds'),
    stationServesTenant: unexpected('stationServesTenant'),
    consumption: unexpected('consumption'),
    benchmark: unexpected('benchmark'),
    anomalies: unexpected('anomalies'),
    dataQuality: unexpected('dataQuality'),
    commandStatus: unexpected('commandStatus'),
    commandTimeline: unexpected('commandTimeline'),
    dataQualityIssues: unexpected('dataQualityIssues'),
    weatherHours: unexpected('weatherHours'),
    weatherNormalised: unexpected('weatherNormalised'),
    savings: unexpected('savings'),
    forecast: unexpected('forecast'),
    liveAccuracy: unexpected('liveAccuracy'),
    models: unexpected('models'),
    buildings: unexpected('buildings'),
    buildingDetail: unexpected('buildingDetail'),
    consumptionTotals: unexpected('consumptionTotals'),
    meterLatest: unexpected('meterLatest'),
    stationWeather: unexpected('stationWeather'),
    buildingWeather: unexpected('buildingWeather'),
    buildingTenant: async (id) => TENANTS[id],
    auditRecords: unexpected('auditRecords'),
    deadLetters: unexpected('deadLetters'),
    deadLetter: unexpected('deadLetter'),
    operationSummary: unexpected('operationSummary'),
    projectionGenerations: unexpected('projectionGenerations'),
    recommendations: unexpected('recommendations'),
    similarBuildings: unexpected('similarBuildings'),
    benchmarkTrend: unexpected('benchmarkTrend'),
    ...overrides,
  };
}

async function call(tool: AnyTool<McpReads>, args: unknown, queries: McpReads, who: Principal = T1) {
  const run = await runTool(tool, tool.input.parse(args), { queries, principal: who, now: () => NOW });
  if (!run.result.isError) tool.output.parse(run.result.structuredContent);
  const text = run.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { ...run, text, structured: run.result.structuredContent as Record<string, unknown> };
}

const listing = (buildingId: string): BuildingListing => ({
  buildingId,
  siteId: 'East',
  primaryUse: 'Office',
  floorAreaM2: 1000,
  timezone: 'UTC',
  yearBuilt: null,
  weatherStationId: null,
  tenantId: TENANTS[buildingId] ?? 'default',
  registeredAt: new Date('2016-03-01T00:00:00Z'),
});

describe('list_buildings', () => {
  it("asks for the caller's tenant with the filters, and hands out a cursor only when more match", async () => {
    const asked: unknown[] = [];
    const queries = reads({
      buildings: async (q) => {
        asked.push(q);
        return q.afterBuildingId === undefined
          ? fresh({ buildings: [listing('T1_A')], hasMore: true }, 'buildings')
          : fresh({ buildings: [listing('T1_B')], hasMore: false }, 'buildings');
      },
    });
    const first = await call(listBuildings, { primaryUse: 'office', text: 'T1', limit: 1 }, queries);
    expect(first.result.isError).toBeUndefined();
    expect(asked[0]).toEqual({ tenantId: 't1', primaryUse: 'office', text: 'T1', limit: 1 });
    expect((first.structured.buildings as { buildingId: string }[]).map((b) => b.buildingId)).toEqual([
      'T1_A',
    ]);
    expect(first.structured.buildings).not.toContainEqual(
      expect.objectContaining({ tenantId: expect.anything() }),
    );
    const cursor = first.structured.nextCursor;
    expect(typeof cursor).toBe('string');
    expect(cursor).not.toContain('T1_A');

    const second = await call(listBuildings, { cursor }, queries);
    expect(asked[1]).toEqual({ tenantId: 't1', afterBuildingId: 'T1_A', limit: 50 });
    expect(second.structured).not.toHaveProperty('nextCursor');
    expect(second.structured.provenance).toEqual([
      {
        readModel: 'buildings',
        generation: 1,
        offsets: [{ topic: 't', partition: 0, nextOffset: '9' }],
        lastAppliedAt: null,
      },
    ]);
  });

  it('a principal of every tenant lists without a tenant filter', async () => {
    const asked: unknown[] = [];
    const queries = reads({
      buildings: async (q) => {
        asked.push(q);
        return fresh({ buildings: [], hasMore: false }, 'buildings');
      },
    });
    const { text } = await call(listBuildings, {}, queries, LOCAL_ADMIN);
    expect(asked).toEqual([{ limit: 50 }]);
    expect(text).toContain('No building matches.');
  });

  it('a cursor it did not issue is a bad argument, not a failure', async () => {
    for (const cursor of ['nonsense', Buffer.from('{"v":2,"after":"x"}').toString('base64url')]) {
      const { result, text } = await call(listBuildings, { cursor }, reads({}));
      expect(result.isError).toBe(true);
      expect(text).toContain('cursor is not one list_buildings returned');
    }
  });

  it('rejects a limit beyond 200 at the schema', () => {
    expect(() => listBuildings.input.parse({ limit: 201 })).toThrow();
    expect(() => listBuildings.input.parse({ limit: 0 })).toThrow();
  });
});

const view = (timezone: string): BuildingView => ({
  buildingId: 'T1_A',
  siteId: 'East',
  primaryUse: 'Office',
  floorAreaM2: 1000,
  timezone,
  yearBuilt: null,
  weatherStationId: 'ST_1',
  tenantId: 't1',
  registeredAt: new Date('2016-03-01T00:00:00Z'),
  meters: [
    {
      meterId: 'T1_A:elec',
      meterKind: 'electricity',
      unit: 'kWh',
      lastValue: 12,
      lastReadingAt: new Date('2016-03-02T15:00:00Z'),
    },
  ],
});

describe('get_building', () => {
  function buildingReads(timezone: string, asked: unknown[]) {
    return reads({
      buildingDetail: async (id) => fresh(id === 'T1_A' ? view(timezone) : undefined, 'buildings'),
      consumptionTotals: async (q) => {
        asked.push(q);
        return fresh(
          [
            {
              meterKind: 'electricity',
              unit: 'kWh',
              total: 240,
              readings: 11,
              meters: 1,
              until: new Date('2016-03-02T16:00:00Z'),
            },
          ],
          'rollups',
          new Date('2016-03-02T16:00:00Z'),
        );
      },
    });
  }

  it("sums today as the building's local day and says which day and zone", async () => {
    const asked: unknown[] = [];
    const { structured, text } = await call(
      getBuilding,
      { buildingId: 'T1_A' },
      buildingReads('America/Los_Angeles', asked),
    );
    // 08:00 in Los Angeles (PST, UTC-8) on 2016-03-02.
    expect(asked).toEqual([
      { buildingId: 'T1_A', from: new Date('2016-03-02T08:00:00Z'), to: new Date('2016-03-03T08:00:00Z') },
    ]);
    expect(structured.today).toEqual({
      date: '2016-03-02',
      timeZone: 'America/Los_Angeles',
      from: '2016-03-02T08:00:00.000Z',
      to: '2016-03-03T08:00:00.000Z',
      byKind: [{ meterKind: 'electricity', unit: 'kWh', total: 240, readings: 11, meters: 1 }],
    });
    expect(structured.meters).toEqual([
      {
        meterId: 'T1_A:elec',
        meterKind: 'electricity',
        unit: 'kWh',
        latestValue: 12,
        latestAt: '2016-03-02T15:00:00.000Z',
      },
    ]);
    expect((structured.provenance as { readModel: string }[]).map((p) => p.readModel)).toEqual([
      'buildings',
      'rollups',
    ]);
    expect(structured.dataUntil).toBe('2016-03-02T16:00:00.000Z');
    expect(text).toContain('Today (2016-03-02 in America/Los_Angeles): electricity 240 kWh.');
  });

  it('takes today in UTC, and says so, for a time zone it does not know', async () => {
    const asked: unknown[] = [];
    const { structured, text } = await call(
      getBuilding,
      { buildingId: 'T1_A' },
      buildingReads('Mars/Olympus', asked),
    );
    expect(structured.today).toMatchObject({ timeZone: 'UTC', from: '2016-03-02T00:00:00.000Z' });
    expect(text).toContain("The time zone 'Mars/Olympus' is unknown here; today is taken in UTC.");
  });

  it("refuses another tenant's building with the very sentence of an unknown one, reading nothing else", async () => {
    const foreign = await call(getBuilding, { buildingId: 'T2_A' }, reads({}));
    const unknown = await call(getBuilding, { buildingId: 'Nope' }, reads({}));
    expect(foreign.result.isError).toBe(true);
    expect(foreign.text.replace('T2_A', '?')).toBe(unknown.text.replace('Nope', '?'));
  });
});

const weather: CurrentWeather = {
  stationId: 'ST_1',
  observedAt: new Date('2016-03-02T15:00:00Z'),
  eventId: 'e1',
  source: 'test',
  values: {
    temperatureC: { value: 6, observedAt: new Date('2016-03-02T15:00:00Z'), eventId: 'e1' },
    conditions: { value: 'Clear', observedAt: new Date('2016-03-02T14:00:00Z'), eventId: 'e0' },
  },
};

describe('get_current_weather', () => {
  it('needs exactly one of stationId and buildingId', async () => {
    for (const args of [{}, { stationId: 'ST_1', buildingId: 'T1_A' }]) {
      const { result, text } = await call(getCurrentWeather, args, reads({}));
      expect(result.isError).toBe(true);
      expect(text).toContain('give exactly one of stationId and buildingId');
    }
  });

  it("answers a building's station with each value's time and the observation's age", async () => {
    const queries = reads({
      buildingWeather: async (buildingId) =>
        fresh({ buildingId, stationId: 'ST_1', weather }, 'current-weather', weather.observedAt),
    });
    const { structured, text } = await call(getCurrentWeather, { buildingId: 'T1_A' }, queries);
    expect(structured).toMatchObject({
      stationId: 'ST_1',
      buildingId: 'T1_A',
      observedAt: '2016-03-02T15:00:00.000Z',
      observationAgeMs: 3_600_000,
      values: {
        temperatureC: { value: 6, observedAt: '2016-03-02T15:00:00.000Z' },
        conditions: { value: 'Clear', observedAt: '2016-03-02T14:00:00.000Z' },
      },
      dataAgeMs: 3_600_000,
    });
    expect(text).toContain('Station ST_1 (of T1_A)');
  });

  it("a station none of the caller's buildings uses reads as unknown; every-tenant principals are not checked", async () => {
    const queries = reads({
      stationServesTenant: async (stationId, tenant) => stationId === 'ST_1' && tenant === 't1',
      stationWeather: async (stationId) =>
        fresh(stationId === 'ST_1' || stationId === 'ST_2' ? weather : undefined, 'current-weather'),
    });
    const foreign = await call(getCurrentWeather, { stationId: 'ST_2' }, queries);
    const unknown = await call(getCurrentWeather, { stationId: 'ST_9' }, queries);
    expect(foreign.result.isError).toBe(true);
    expect(foreign.text.replace('ST_2', '?')).toBe(unknown.text.replace('ST_9', '?'));
    expect((await call(getCurrentWeather, { stationId: 'ST_1' }, queries)).result.isError).toBeUndefined();
    expect(
      (await call(getCurrentWeather, { stationId: 'ST_2' }, queries, LOCAL_ADMIN)).result.isError,
    ).toBeUndefined();
  });

  it('a building without a station is refused with the reason', async () => {
    const queries = reads({
      buildingWeather: async (buildingId) =>
        fresh({ buildingId, stationId: null, weather: undefined }, 'current-weather'),
    });
    const { result, text } = await call(getCurrentWeather, { buildingId: 'T1_A' }, queries);
    expect(result.isError).toBe(true);
    expect(text).toContain('registered without a weather station');
  });
});

describe('tenant checks of the existing tools', () => {
  it("get_latest_readings never reads another tenant's building", async () => {
    const queries = reads({ building: async () => undefined });
    const foreign = await call(getLatestReadings, { buildingId: 'T2_A' }, queries);
    const unknown = await call(getLatestReadings, { buildingId: 'Nope' }, queries);
    expect(foreign.result.isError).toBe(true);
    expect(foreign.text.replace('T2_A', '?')).toBe(unknown.text.replace('Nope', '?'));
  });

  it("get_command_status answers a command of another tenant's building as an unknown command", async () => {
    const status = (buildingId: string) =>
      ({
        commandId: 'c',
        buildingId,
        pointId: 'p',
        status: 'accepted',
        statusAt: new Date(NOW),
        requestedBy: null,
        value: 21,
        unit: 'degC',
        priority: null,
        expiresAt: null,
        decisionReasons: null,
        deviceMessage: null,
        history: [],
        ended: false,
        requestedAt: null,
        schedule: null,
        heartbeatSeconds: null,
        reason: null,
        requiresApproval: null,
        approvalTimeoutSeconds: null,
        decision: 'accepted',
        approval: null,
        lastHeartbeatAt: null,
        outcome: null,
      }) satisfies CommandStatusView;
    const queries = reads({
      commandStatus: async (id) =>
        fresh(
          id === 'c-t2' ? status('T2_A') : id === 'c-t1' ? status('T1_A') : undefined,
          'control-commands',
        ),
    });
    const foreign = await call(getCommandStatus, { commandId: 'c-t2' }, queries);
    const unknown = await call(getCommandStatus, { commandId: 'c-00' }, queries);
    expect(foreign.result.isError).toBe(true);
    expect(foreign.text.replace('c-t2', '?')).toBe(unknown.text.replace('c-00', '?'));
    expect(foreign.text).not.toContain('T2_A');
    expect((await call(getCommandStatus, { commandId: 'c-t1' }, queries)).result.isError).toBeUndefined();
  });
});
