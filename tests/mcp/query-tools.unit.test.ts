import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type AnyTool,
  CONTROL_TOOL,
  compareToPeers,
  dataQualityReport,
  getCommandStatus,
  IDEMPOTENT_WRITE_TOOL,
  LOCAL_ADMIN,
  listAnomalies,
  type McpReads,
  queryConsumptionTool,
  runTool,
  TOOL_ERROR_CODE,
  TOOL_NAMES,
  TOOLS,
  toolCacheKey,
  weatherImpact,
} from '../../mcp-adapter/index.ts';
import { type Answer, normaliseArguments, type Provenance } from '../../projections/index.ts';

// Hand-written query layers: the tools' own seam, so each handle() is tested without a server or a database.

const NOW = Date.parse('2026-01-02T00:00:00Z');
const PROVENANCE: Provenance[] = [
  {
    projection: 'rollups',
    generation: 2,
    offsets: [{ topic: 't.reading-aggregates', partition: 0, nextOffset: '42' }],
    lastAppliedAt: new Date('2026-01-01T23:59:00Z'),
  },
];
const fresh = <T>(data: T, dataUntil: Date | null = null): Answer<T> => ({
  data,
  provenance: PROVENANCE,
  dataUntil,
  stale: false,
});
const OFFICE = { buildingId: 'Office_A' } as Awaited<ReturnType<McpReads['building']>>;

/** A query layer where every query not given fails the test, and `building` knows Office_A. */
function reads(overrides: Partial<McpReads>): McpReads {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected ${name}`));
  return {
    latestReadings: unexpected('latestReadings'),
    latestReadingsAnswer: unexpected('latestReadingsAnswer'),
    buildingIds: unexpected('buildingIds'),
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
    buildingTenant: unexpected('buildingTenant'),
    buildings: unexpected('buildings'),
    buildingDetail: unexpected('buildingDetail'),
    consumptionTotals: unexpected('consumptionTotals'),
    meterLatest: unexpected('meterLatest'),
    stationWeather: unexpected('stationWeather'),
    buildingWeather: unexpected('buildingWeather'),
    meterIds: unexpected('meterIds'),
    stationServesTenant: unexpected('stationServesTenant'),
    auditRecords: unexpected('auditRecords'),
    deadLetters: unexpected('deadLetters'),
    deadLetter: unexpected('deadLetter'),
    operationSummary: unexpected('operationSummary'),
    projectionGenerations: unexpected('projectionGenerations'),
    recommendations: unexpected('recommendations'),
    similarBuildings: unexpected('similarBuildings'),
    benchmarkTrend: unexpected('benchmarkTrend'),
    building: async (id) => (id === 'Office_A' ? OFFICE : undefined),
    ...overrides,
  };
}

/** Runs a tool as the server does (arguments validated by its input schema) and checks the output schema. */
async function call(tool: AnyTool<McpReads>, args: unknown, queries: McpReads) {
  const run = await runTool(tool, tool.input.parse(args), {
    queries,
    principal: LOCAL_ADMIN,
    now: () => NOW,
  });
  if (!run.result.isError) tool.output.parse(run.result.structuredContent);
  const text = run.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { ...run, text, structured: run.result.structuredContent as Record<string, unknown> };
}

const RANGE = { from: '2016-03-01T00:00:00Z', to: '2016-03-02T00:00:00Z' };

describe('query_consumption', () => {
  const bucket = {
    start: new Date('2016-03-01T00:00:00Z'),
    end: new Date('2016-03-01T01:00:00Z'),
    meterKind: 'electricity' as const,
    unit: 'kWh' as const,
    total: 12.5,
    readings: 2,
    meters: 2,
  };

  it('asks the query layer with dates and maps buckets, provenance and freshness to JSON', async () => {
    const asked: unknown[] = [];
    const queries = reads({
      consumption: async (q) => {
        asked.push(q);
        return fresh(
          [bucket, { ...bucket, start: bucket.end, end: new Date('2016-03-01T02:00:00Z') }],
          bucket.end,
        );
      },
    });
    const { result, structured, text } = await call(
      queryConsumptionTool,
      { buildingId: 'Office_A', meterKind: 'electricity', ...RANGE, bucket: '1h' },
      queries,
    );
    expect(result.isError).toBeUndefined();
    expect(asked).toEqual([
      {
        buildingId: 'Office_A',
        meterKind: 'electricity',
        from: new Date(RANGE.from),
        to: new Date(RANGE.to),
        bucket: '1h',
      },
    ]);
    expect(structured.buckets).toEqual([
      { ...bucket, start: '2016-03-01T00:00:00.000Z', end: '2016-03-01T01:00:00.000Z' },
      { ...bucket, start: '2016-03-01T01:00:00.000Z', end: '2016-03-01T02:00:00.000Z' },
    ]);
    expect(structured).toMatchObject({
      provenance: [
        {
          readModel: 'rollups',
          generation: 2,
          offsets: [{ topic: 't.reading-aggregates', partition: 0, nextOffset: '42' }],
          lastAppliedAt: '2026-01-01T23:59:00.000Z',
        },
      ],
      dataUntil: '2016-03-01T01:00:00.000Z',
      dataAgeMs: NOW - bucket.end.getTime(),
      stale: false,
    });
    expect(structured).not.toHaveProperty('staleSince');
    expect(text).toContain('electricity in kWh: 25 over 2 bucket(s)');
    expect(text).toContain('Read from rollups (generation 2');
  });

  it('says a kept answer is stale, since when and why', async () => {
    const staleSince = new Date(NOW - 60_000);
    const queries = reads({
      consumption: async () => ({
        ...fresh([bucket], bucket.end),
        stale: true,
        staleSince,
        ageMs: 60_000,
        reason: 'PostgreSQL is unavailable (circuit open)',
      }),
    });
    const { structured, text } = await call(
      queryConsumptionTool,
      { buildingId: 'Office_A', ...RANGE, bucket: '1h' },
      queries,
    );
    expect(structured).toMatchObject({
      stale: true,
      staleSince: staleSince.toISOString(),
      ageMs: 60_000,
      reason: 'PostgreSQL is unavailable (circuit open)',
    });
    expect(text).toContain('STALE: last good answer from');
  });

  it('answers an unknown building with a sentence naming how to find ids', async () => {
    const run = await call(
      queryConsumptionTool,
      { buildingId: 'Nowhere', ...RANGE, bucket: '1h' },
      reads({ consumption: async () => fresh([]) }),
    );
    expect(run.result.isError).toBe(true);
    expect(run.errorCode).toBe(TOOL_ERROR_CODE);
    expect(run.text).toContain("No building 'Nowhere' is known");
    expect(run.text).toContain('eaio://buildings/{id}');
  });

  it('answers a known building without data as an empty answer, not an error', async () => {
    const run = await call(
      queryConsumptionTool,
      { buildingId: 'Office_A', ...RANGE, bucket: '1d' },
      reads({ consumption: async () => fresh([]) }),
    );
    expect(run.result.isError).toBeUndefined();
    expect(run.structured.buckets).toEqual([]);
    expect(run.structured.dataUntil).toBeNull();
    expect(run.text).toContain('has no readings between');
  });

  it("turns the reader's range limits (INVALID_ARGUMENT) into a sentence saying what to change", async () => {
    const tooMany = new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      "2880 buckets of 15m exceed the limit of 800: narrow the range or use bucket '1h'",
    );
    const run = await call(
      queryConsumptionTool,
      { buildingId: 'Office_A', ...RANGE, bucket: '15m' },
      reads({ consumption: () => Promise.reject(tooMany) }),
    );
    expect(run.result.isError).toBe(true);
    expect(run.errorCode).toBe('INVALID_ARGUMENT');
    expect(run.text).toBe(
      "These arguments cannot be answered: 2880 buckets of 15m exceed the limit of 800: narrow the range or use bucket '1h'. Change them and call the tool again.",
    );
  });

  it('turns DEPENDENCY_UNAVAILABLE into a sentence with its retry hint', async () => {
    const down = new EaioError(
      'DEPENDENCY_UNAVAILABLE',
      'transient',
      'PostgreSQL is unavailable; retry in 3 s.',
      {
        context: { dependency: 'postgres', retryInMs: 3_000 },
      },
    );
    const run = await call(
      queryConsumptionTool,
      { buildingId: 'Office_A', ...RANGE, bucket: '1h' },
      reads({ consumption: () => Promise.reject(down) }),
    );
    expect(run.result.isError).toBe(true);
    expect(run.errorCode).toBe('DEPENDENCY_UNAVAILABLE');
    expect(run.text).toMatch(/^The read models are temporarily unavailable \(postgres\).*retry in 3 s\./);
  });

  it('rethrows errors that are not the model’s to fix (the SDK reports them)', async () => {
    await expect(
      call(
        queryConsumptionTool,
        { buildingId: 'Office_A', ...RANGE, bucket: '1h' },
        reads({ consumption: () => Promise.reject(new Error('relation "rollups_1h" does not exist')) }),
      ),
    ).rejects.toThrow('rollups_1h');
  });

  it('rejects malformed arguments in its input schema (validated by the SDK before handle)', () => {
    expect(
      queryConsumptionTool.input.safeParse({ buildingId: 'Office_A', ...RANGE, bucket: '5m' }).success,
    ).toBe(false);
    expect(
      queryConsumptionTool.input.safeParse({
        buildingId: 'Office_A',
        from: 'yesterday',
        to: RANGE.to,
        bucket: '1h',
      }).success,
    ).toBe(false);
  });
});

describe('compare_to_peers', () => {
  const benchmark = {
    buildingId: 'Office_A',
    primaryUse: 'Office',
    floorAreaM2: 1000,
    meterKind: 'electricity' as const,
    unit: 'kWh' as const,
    consumption: 1234,
    daysWithData: 2,
    eui: 225.205,
    peers: { count: 4, p25: 100, median: 200, p75: 300 },
    percentile: 66.6667,
    dataUntil: new Date('2016-03-03T00:00:00Z'),
  };

  it('maps the EUI, its percentile and the peer distribution', async () => {
    const run = await call(
      compareToPeers,
      { buildingId: 'Office_A', ...RANGE },
      reads({ benchmark: async () => fresh(benchmark) }),
    );
    expect(run.structured).toMatchObject({ ...benchmark, dataUntil: null, dataAgeMs: null, stale: false });
    expect(run.text).toContain('Percentile 66.667 among 4 Office building(s)');
  });

  it('tells an unknown building from a known one without data in the range', async () => {
    const none = reads({ benchmark: async () => fresh(undefined) });
    const unknown = await call(compareToPeers, { buildingId: 'Nowhere', ...RANGE }, none);
    expect(unknown.text).toContain("No building 'Nowhere' is known");
    const noData = await call(compareToPeers, { buildingId: 'Office_A', ...RANGE }, none);
    expect(noData.result.isError).toBe(true);
    expect(noData.text).toContain("Building 'Office_A' cannot be benchmarked");
  });
});

describe('weather_impact', () => {
  it('maps the degree-hour model and passes its options through', async () => {
    const asked: unknown[] = [];
    const run = await call(
      weatherImpact,
      { buildingId: 'Office_A', ...RANGE, sampleBy: 'hour', reference: { hdd: 10, cdd: 0 } },
      reads({
        weatherNormalised: async (q) => {
          asked.push(q);
          return fresh(
            {
              buildingId: 'Office_A',
              stationId: 'ST1',
              meterKind: 'electricity',
              unit: 'kWh',
              hours: 24,
              actual: 1000,
              heatingDegreeHours: 276,
              coolingDegreeHours: 0,
              model: { base: 21, heatingSlope: 2, coolingSlope: 0, r2: 1, samples: 24 },
              predicted: 1000,
              normalised: 524,
              samples: [{ start: new Date('2016-03-01T23:00:00Z'), consumption: 1, hdd: 1, cdd: 0 }],
            },
            new Date('2016-03-01T23:00:00Z'),
          );
        },
      }),
    );
    expect(asked).toEqual([
      {
        buildingId: 'Office_A',
        from: new Date(RANGE.from),
        to: new Date(RANGE.to),
        sampleBy: 'hour',
        reference: { hdd: 10, cdd: 0 },
      },
    ]);
    expect(run.structured).toMatchObject({
      stationId: 'ST1',
      model: { base: 21, heatingSlope: 2, coolingSlope: 0, r2: 1, samples: 24 },
      normalised: 524,
      dataUntil: '2016-03-01T23:00:00.000Z',
    });
    expect(run.structured).not.toHaveProperty('samples');
    expect(run.text).toContain('kWh per hour = 21 + 2·HDD + 0·CDD (R² 1, 24 samples)');
  });

  it('answers an unknown building and too little data with sentences', async () => {
    const unknown = await call(
      weatherImpact,
      { buildingId: 'Nowhere', ...RANGE },
      reads({ weatherNormalised: async () => fresh(undefined) }),
    );
    expect(unknown.text).toContain("No building 'Nowhere' is known");
    const few = new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'only 2 day(s) of Office_A have both ...; widen the range (at least 3 are needed)',
    );
    const tooFew = await call(
      weatherImpact,
      { buildingId: 'Office_A', ...RANGE },
      reads({ weatherNormalised: () => Promise.reject(few) }),
    );
    expect(tooFew.text).toMatch(/cannot be answered: only 2 day\(s\).*widen the range/);
  });
});

describe('list_anomalies', () => {
  it('passes the filters and maps each anomaly', async () => {
    const asked: unknown[] = [];
    const anomaly = {
      eventId: 'e1',
      occurredAt: new Date('2016-03-01T05:00:00Z'),
      buildingId: 'Office_A',
      meterId: 'Office_A:e0',
      meterKind: 'electricity' as const,
      unit: 'kWh' as const,
      readingAt: new Date('2016-03-01T05:00:00Z'),
      observedValue: 99,
      expectedLow: 10,
      expectedHigh: 20,
      score: 12,
      method: 'hour-of-week-mad',
    };
    const run = await call(
      listAnomalies,
      { buildingId: 'Office_A', minScore: 9, limit: 5, from: RANGE.from },
      reads({
        anomalies: async (q) => {
          asked.push(q);
          return fresh([anomaly], anomaly.occurredAt);
        },
      }),
    );
    expect(asked).toEqual([{ buildingId: 'Office_A', minScore: 9, limit: 5, from: new Date(RANGE.from) }]);
    const { buildingId: _, ...rest } = anomaly;
    expect(run.structured.anomalies).toEqual([
      { ...rest, occurredAt: '2016-03-01T05:00:00.000Z', readingAt: '2016-03-01T05:00:00.000Z' },
    ]);
    expect(run.text).toContain('1 anomaly of Office_A');
  });

  it('answers an unknown building, and an empty list for a known one', async () => {
    const none = reads({ anomalies: async () => fresh([]) });
    expect((await call(listAnomalies, { buildingId: 'Nowhere' }, none)).result.isError).toBe(true);
    expect((await call(listAnomalies, { buildingId: 'Office_A' }, none)).structured.anomalies).toEqual([]);
  });
});

describe('data_quality_report', () => {
  it('maps issues per kind with their first and last occurrence beside the readings delivered', async () => {
    const first = new Date('2016-03-01T01:00:00Z');
    const last = new Date('2016-03-01T02:00:00Z');
    const run = await call(
      dataQualityReport,
      { buildingId: 'Office_A', ...RANGE },
      reads({
        dataQuality: async () =>
          fresh(
            {
              buildingId: 'Office_A',
              totalIssues: 2,
              byKind: [
                { meterId: 'Office_A:e1', issueKind: 'spike', severity: 'warning', count: 2, first, last },
              ],
              readingsPerMeter: [{ meterId: 'Office_A:e1', readings: 24 }],
            },
            last,
          ),
      }),
    );
    expect(run.structured).toMatchObject({
      totalIssues: 2,
      byKind: [
        {
          meterId: 'Office_A:e1',
          issueKind: 'spike',
          severity: 'warning',
          count: 2,
          first: first.toISOString(),
          last: last.toISOString(),
        },
      ],
      readingsPerMeter: [{ meterId: 'Office_A:e1', readings: 24 }],
    });
    expect(run.text).toContain('2 issue(s) over 24 reading(s) of 1 meter(s)');
  });

  it('answers an unknown building', async () => {
    const empty = { buildingId: 'Nowhere', totalIssues: 0, byKind: [], readingsPerMeter: [] };
    const run = await call(
      dataQualityReport,
      { buildingId: 'Nowhere', ...RANGE },
      reads({ dataQuality: async () => fresh(empty) }),
    );
    expect(run.text).toContain("No building 'Nowhere' is known");
  });
});

describe('get_command_status', () => {
  it('maps the status and its history', async () => {
    const at = new Date('2016-03-01T00:00:00Z');
    const entry = {
      occurredAt: at,
      reasons: null,
      deviceMessage: null,
      actor: null,
      action: null,
      note: null,
      value: null,
      priority: null,
      readBack: null,
      cause: null,
      ignored: null,
      sourceTopic: 'controlCommands' as const,
      sourcePartition: 0,
      sourceOffset: '7',
    };
    const run = await call(
      getCommandStatus,
      { commandId: 'c-1' },
      reads({
        commandStatus: async () =>
          fresh(
            {
              commandId: 'c-1',
              buildingId: 'Office_A',
              pointId: 'zone-1-heat',
              status: 'rejected',
              statusAt: at,
              ended: true,
              requestedBy: 'agent:test',
              requestedAt: at,
              value: 35,
              unit: 'degC',
              priority: 12,
              expiresAt: null,
              schedule: null,
              heartbeatSeconds: null,
              reason: null,
              requiresApproval: null,
              approvalTimeoutSeconds: null,
              decision: 'rejected',
              decisionReasons: [{ code: 'above_max', message: '35 degC is above 28' }],
              approval: null,
              lastHeartbeatAt: null,
              outcome: null,
              deviceMessage: null,
              history: [
                {
                  ...entry,
                  status: 'requested',
                  source: 'agent',
                  actor: 'agent:test',
                  value: 35,
                  priority: 12,
                },
                {
                  ...entry,
                  status: 'rejected',
                  source: 'control-safety',
                  reasons: [{ code: 'above_max', message: '35 degC is above 28' }],
                  sourceTopic: 'controlDecisions',
                },
              ],
            },
            at,
          ),
      }),
    );
    expect(run.structured).toMatchObject({
      status: 'rejected',
      statusAt: at.toISOString(),
      expiresAt: null,
      decisionReasons: [{ code: 'above_max', message: '35 degC is above 28' }],
    });
    expect((run.structured.history as { status: string }[]).map((h) => h.status)).toEqual([
      'requested',
      'rejected',
    ]);
    expect(run.text).toContain('Reasons: 35 degC is above 28');
  });

  it('answers an unknown command with what to check', async () => {
    const run = await call(
      getCommandStatus,
      { commandId: 'nope' },
      reads({ commandStatus: async () => fresh(undefined) }),
    );
    expect(run.result.isError).toBe(true);
    expect(run.text).toContain("No command 'nope' is known");
  });
});

const CONTROL_TOOLS: ReadonlySet<string> = new Set([
  TOOL_NAMES.proposeControlCommand,
  TOOL_NAMES.approveControlCommand,
  TOOL_NAMES.cancelControlCommand,
  TOOL_NAMES.heartbeatControlCommand,
]);

describe('the list of tools', () => {
  it('has a description on every input field and read-only annotations, but for the re-drive and the promotion (idempotent writes) and the control tools (they act on devices)', () => {
    for (const tool of TOOLS) {
      const schema = z.toJSONSchema(tool.input) as { properties: Record<string, { description?: string }> };
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(property.description, `${tool.name}.${field}`).toBeTruthy();
      }
      expect(tool.annotations).toMatchObject(
        tool.name === TOOL_NAMES.redriveDeadLetters || tool.name === TOOL_NAMES.promoteModel
          ? IDEMPOTENT_WRITE_TOOL
          : CONTROL_TOOLS.has(tool.name)
            ? CONTROL_TOOL
            : { readOnlyHint: true, destructiveHint: false },
      );
    }
  });
});

describe('asOf on the time-series tools', () => {
  const AS_OF = '2016-03-01T12:00:00Z';
  const asOf = new Date(AS_OF);
  /** An answer the query layer read with asOf: it carries the bound and its dataUntil is not after it. */
  const asOfAnswer = <T>(data: T): Answer<T> => ({ ...fresh(data, new Date('2016-03-01T11:00:00Z')), asOf });

  /** Each tool, its arguments, and the query it reads (answering `data`). */
  const cases: { tool: AnyTool<McpReads>; args: object; query: keyof McpReads; data: unknown }[] = [
    {
      tool: queryConsumptionTool,
      args: { buildingId: 'Office_A', ...RANGE, bucket: '1h' },
      query: 'consumption',
      data: [],
    },
    {
      tool: compareToPeers,
      args: { buildingId: 'Office_A', ...RANGE },
      query: 'benchmark',
      data: {
        buildingId: 'Office_A',
        primaryUse: 'Office',
        floorAreaM2: 1000,
        meterKind: 'electricity',
        unit: 'kWh',
        consumption: 1,
        daysWithData: 1,
        eui: 1,
        peers: { count: 1, p25: 1, median: 1, p75: 1 },
        percentile: 0,
      },
    },
    {
      tool: weatherImpact,
      args: { buildingId: 'Office_A', ...RANGE },
      query: 'weatherNormalised',
      data: {
        buildingId: 'Office_A',
        stationId: 'ST1',
        meterKind: 'electricity',
        unit: 'kWh',
        hours: 12,
        actual: 100,
        heatingDegreeHours: 10,
        coolingDegreeHours: 0,
        model: { base: 5, heatingSlope: 1, coolingSlope: 0, r2: 0.9, samples: 12 },
        predicted: 100,
        normalised: 60,
        samples: [],
      },
    },
    { tool: listAnomalies, args: { buildingId: 'Office_A' }, query: 'anomalies', data: [] },
    {
      tool: dataQualityReport,
      args: { buildingId: 'Office_A', ...RANGE },
      query: 'dataQuality',
      data: { buildingId: 'Office_A', totalIssues: 0, byKind: [], readingsPerMeter: [] },
    },
  ];

  for (const { tool, args, query, data } of cases) {
    it(`${tool.name} passes asOf to the query layer as a Date and says so in its provenance`, async () => {
      const asked: Record<string, unknown>[] = [];
      const answering = async (q: Record<string, unknown>) => {
        asked.push(q);
        return asOfAnswer(data);
      };
      const run = await call(tool, { ...args, asOf: AS_OF }, reads({ [query]: answering }));
      expect(run.result.isError).toBeUndefined();
      expect(asked).toHaveLength(1);
      expect(asked[0]?.asOf).toEqual(asOf);
      expect(run.structured.asOf).toBe(isoOf(AS_OF));
      expect(Date.parse(String(run.structured.dataUntil))).toBeLessThanOrEqual(asOf.getTime());
      expect(run.text).toContain(`as of ${isoOf(AS_OF)}`);
    });

    it(`${tool.name} without asOf asks without it and answers without the field`, async () => {
      const asked: Record<string, unknown>[] = [];
      const answering = async (q: Record<string, unknown>) => {
        asked.push(q);
        return fresh(data);
      };
      const run = await call(tool, args, reads({ [query]: answering }));
      expect('asOf' in (asked[0] ?? {})).toBe(false);
      expect('asOf' in run.structured).toBe(false);
    });

    it(`${tool.name} rejects an asOf without a zone`, () => {
      expect(tool.input.safeParse({ ...args, asOf: '2016-03-01T12:00:00' }).success).toBe(false);
    });
  }

  it('keys the tool-result cache and the kept (last good) answers by asOf, so an as-of answer never stands in for another', () => {
    const args = { buildingId: 'Office_A', ...RANGE, bucket: '1h' };
    const keys = [undefined, AS_OF, '2016-03-01T13:00:00Z'].map((at) =>
      toolCacheKey(TOOL_NAMES.queryConsumption, 't1', { ...args, asOf: at }),
    );
    expect(new Set(keys).size).toBe(3);
    // The query layer keeps answers under its query's normalised arguments, where asOf is a Date.
    const query = {
      buildingId: 'Office_A',
      from: new Date(RANGE.from),
      to: new Date(RANGE.to),
      bucket: '1h',
    };
    expect(JSON.stringify(normaliseArguments({ ...query, asOf }))).not.toBe(
      JSON.stringify(normaliseArguments(query)),
    );
    expect(normaliseArguments({ ...query, asOf })).toMatchObject({ asOf: asOf.toISOString() });
  });

  it('describes asOf on every time-series tool, with the bucket rule where answers come from rollups', () => {
    const described = (tool: AnyTool<McpReads>) =>
      (z.toJSONSchema(tool.input) as { properties: Record<string, { description?: string }> }).properties.asOf
        ?.description ?? '';
    for (const tool of [queryConsumptionTool, compareToPeers, weatherImpact])
      expect(described(tool)).toMatch(/bucket counts only if it ends at or before asOf/);
    for (const tool of [listAnomalies, dataQualityReport])
      expect(described(tool)).toMatch(/only events with event time up to then/);
  });
});

/** An ISO 8601 instant as `Date#toISOString` writes it (what answers echo). */
function isoOf(text: string): string {
  return new Date(text).toISOString();
}
