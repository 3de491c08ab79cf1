import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type AnswerMeta,
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { hourOfWeek, seededRandom as seeded } from '../../processors/anomalies/index.ts';
import {
  BaselineNotQualifiedError,
  DEFAULT_KNOTS_C,
  type HourlyObservation,
  measureSavings,
  type RunningProcessor,
  runNamedProcessor,
  temperatureSegments,
} from '../../processors/index.ts';
import { buildingsProjection } from '../../projections/buildings/index.ts';
import { createQueryLayer, type QueryLayer } from '../../projections/index.ts';
import { rollupsProjection } from '../../projections/rollups/index.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type { SensorReading, WeatherObservation } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { produce } from '../support/query-data-set.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const HOUR = 3_600_000;
const WEEK = 168 * HOUR;
// Monday 2016-01-04 00:00 UTC; six weeks of baseline, then a 15 % cut for two weeks.
const START = Date.UTC(2016, 0, 4);
const CHANGE = START + 6 * WEEK;
const END = START + 8 * WEEK;
const CUT = 0.15;
const TIME_ZONE = 'America/New_York';
const STATION = 'ST_MV';
const iso = (ms: number) => new Date(ms).toISOString();
/** Hours (index from START) Retrofit_A's meters did not report, and hours the station did not. */
const NO_CONSUMPTION = new Set([100, 101, 102, 103]);
const NO_WEATHER = new Set([300, 301, 6 * 168 + 5, 6 * 168 + 6, 6 * 168 + 7]);

const temperatureAt = (i: number) =>
  Math.round((4 + 10 * Math.sin(i / 300) + 5 * Math.sin((2 * Math.PI * (i - 9)) / 24)) * 10) / 10;
const SLOPES = [-2, -1, 0.5, 2, 3.5, 5];

/** Hourly values of meter `m` of the retrofitted office: a TOWT building with AR(1) noise, cut after CHANGE. */
function officeValues(m: number): number[] {
  const random = seeded(11 + m);
  let noise = 0;
  return Array.from({ length: (END - START) / HOUR }, (_, i) => {
    const at = START + i * HOUR;
    const slot = hourOfWeek(new Date(at), TIME_ZONE);
    const occupied = slot < 120 && slot % 24 >= 8 && slot % 24 < 18;
    const weather = temperatureSegments(temperatureAt(i), DEFAULT_KNOTS_C).reduce(
      (a, s, j) => a + s * (SLOPES[j] as number),
      0,
    );
    noise = 0.5 * noise + (random() - 0.5) * 4;
    const value = 30 + m * 5 + (occupied ? 40 : 0) + weather / 2 + noise;
    return Math.round(value * (at >= CHANGE ? 1 - CUT : 1) * 1000) / 1000;
  });
}

const METERS = [
  { buildingId: 'Retrofit_A', meterId: 'Retrofit_A:e0', values: officeValues(0) },
  { buildingId: 'Retrofit_A', meterId: 'Retrofit_A:e1', values: officeValues(1) },
  {
    buildingId: 'Noisy_B',
    meterId: 'Noisy_B:e0',
    values: (() => {
      const random = seeded(99);
      return Array.from({ length: (END - START) / HOUR }, () => Math.round(100 * random() * 1000) / 1000);
    })(),
  },
];

function readings(): SensorReading[] {
  const out: SensorReading[] = [];
  for (const meter of METERS) {
    const base = { source: 'test', buildingId: meter.buildingId, meterId: meter.meterId };
    meter.values.forEach((value, i) => {
      if (meter.buildingId === 'Retrofit_A' && NO_CONSUMPTION.has(i)) return;
      out.push({
        ...base,
        eventId: randomUUID(),
        occurredAt: new Date(START + i * HOUR),
        meterKind: 'electricity',
        value,
        unit: 'kWh',
      });
    });
    // A reading eleven hours after the data closes every hourly window before it.
    out.push({
      ...base,
      eventId: randomUUID(),
      occurredAt: new Date(END + 11 * HOUR),
      meterKind: 'electricity',
      value: 50,
      unit: 'kWh',
    });
  }
  return out;
}

const weather = (): WeatherObservation[] =>
  Array.from({ length: (END - START) / HOUR }, (_, i) => i)
    .filter((i) => !NO_WEATHER.has(i))
    .map((i) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START + i * HOUR),
      source: 'test',
      stationId: STATION,
      temperatureC: temperatureAt(i),
    }));

/** What the read models must give the M&V computation: Retrofit_A's hourly totals and temperatures. */
function expectedHours(from: number, to: number): HourlyObservation[] {
  const [e0, e1] = METERS;
  const hours: HourlyObservation[] = [];
  for (let t = from; t < to; t += HOUR) {
    const i = (t - START) / HOUR;
    hours.push({
      hourStart: new Date(t),
      consumption: NO_CONSUMPTION.has(i) ? Number.NaN : (e0?.values[i] as number) + (e1?.values[i] as number),
      temperatureC: NO_WEATHER.has(i) ? undefined : temperatureAt(i),
    });
  }
  return hours;
}

describe('estimate_savings end to end: Kafka -> processors -> projector -> query layer -> MCP', () => {
  let platform: TestPlatform;
  let aggregates: RunningProcessor;
  let projector: RunningProjector;
  let queries: QueryLayer;
  let mcp: RunningMcpHttpServer;
  let client: Client;

  async function call(name: string, args: Record<string, unknown>) {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
    return {
      isError: result.isError === true,
      text,
      structured: result.structuredContent as Record<string, unknown>,
    };
  }

  beforeAll(async () => {
    platform = await createTestPlatform('estimate_savings');
    await produce(
      platform,
      'buildings',
      ['Retrofit_A', 'Noisy_B'].map((buildingId) => ({
        buildingId,
        eventId: randomUUID(),
        occurredAt: new Date(START),
        source: 'test',
        primaryUse: 'Office',
        floorAreaM2: 1000,
        siteId: null,
        timezone: TIME_ZONE,
        yearBuilt: null,
        weatherStationId: STATION,
      })),
      (b) => b.buildingId,
    );
    await produce(platform, 'weatherHourly', weather(), (w) => w.stationId);
    await publishReadings(await platform.feedDeps(), readings());
    aggregates = await runNamedProcessor(
      {
        kafka: platform.kafka,
        codec: platform.codec,
        names: platform.names,
        logger: platform.logger,
        sessionTimeoutMs: 6_000,
      },
      'reading-aggregates',
    );
    projector = await runProjector(platform, {
      projections: [buildingsProjection, rollupsProjection, weatherProjection],
    });
    const hours = (END - START) / HOUR;
    await waitFor(
      'every hourly rollup and weather hour projected',
      async () => {
        const { rows } = await platform.pool.query<{ r: string; w: string; b: string }>(
          `SELECT (SELECT count(*) FROM rollups_1h WHERE meter_id <> '' AND window_start < $1) AS r,
                  (SELECT count(*) FROM weather_hourly) AS w, (SELECT count(*) FROM buildings) AS b`,
          [new Date(END)],
        );
        const row = rows[0];
        return Number(row?.r) === METERS.length * hours - 2 * NO_CONSUMPTION.size &&
          Number(row?.w) === hours - NO_WEATHER.size &&
          Number(row?.b) === 2
          ? true
          : undefined;
      },
      { timeoutMs: 180_000 },
    );
    queries = createQueryLayer({ pool: platform.pool, redis: platform.redis });
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory(createQueryLayer(platform)),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-estimate-savings');
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await projector?.stop();
    await aggregates?.stop();
    await platform?.dispose();
  });

  it('measures the 15 % cut from the read models exactly as the pure computation does on the produced data', async () => {
    const answer = await queries.savings({
      buildingId: 'Retrofit_A',
      changeDate: new Date(CHANGE),
      reporting: { from: new Date(CHANGE), to: new Date(END) },
    });
    const s = answer.data;
    const expected = measureSavings({
      baseline: expectedHours(START, CHANGE),
      reporting: expectedHours(CHANGE, END),
      timeZone: TIME_ZONE,
    });
    expect(s?.model.contentHash).toBe(expected.modelHash);
    expect(s?.avoided).toBeCloseTo(expected.avoided, 6);
    expect(s?.uncertainty).toEqual(expected.uncertainty);
    expect(s?.baseline).toEqual({
      from: new Date(START),
      to: new Date(CHANGE),
      hours: 6 * 168 - 6,
      leftOut: { missingTemperature: 2, missingConsumption: 4 },
    });
    expect(s?.reporting.hours).toBe(2 * 168 - 3);
    expect(s?.reporting.leftOut).toEqual({ missingTemperature: 3, missingConsumption: 0 });
    expect(s?.timeZone).toBe(TIME_ZONE);
    expect(s?.stationId).toBe(STATION);
    expect(s?.baselineFit.cvRmse).toBeLessThan(0.3);
    // The cut the data was built with, within the reported uncertainty.
    const trueAvoided = expectedHours(CHANGE, END)
      .filter((h) => h.temperatureC !== undefined)
      .reduce((a, h) => a + (h.consumption * CUT) / (1 - CUT), 0);
    expect(Math.abs((s?.avoided ?? 0) - trueAvoided)).toBeLessThanOrEqual(s?.uncertainty.absolute ?? 0);
    expect(s?.savingsFraction).toBeCloseTo(CUT, 1);
    expect(answer.provenance.map((p) => p.projection)).toEqual(['rollups', 'weather', 'buildings']);
    expect(answer.dataUntil).toEqual(new Date(END));
    // Determinism: the same answer twice.
    const again = await queries.savings({
      buildingId: 'Retrofit_A',
      changeDate: new Date(CHANGE),
      reporting: { from: new Date(CHANGE), to: new Date(END) },
    });
    expect(again.data).toEqual(s);
  });

  it('defaults the periods around the change date, and leaves a blackout out of the baseline', async () => {
    // Default baseline: the year before the change, of which the data holds six weeks; reporting to now.
    const open = await queries.savings({ buildingId: 'Retrofit_A', changeDate: new Date(CHANGE) });
    expect(open.data?.baseline.from).toEqual(new Date(START));
    expect(open.data?.reporting).toEqual({
      from: new Date(CHANGE),
      to: new Date(END),
      hours: 2 * 168 - 3,
      leftOut: { missingTemperature: 3, missingConsumption: 0 },
    });
    const blackout = { from: new Date(START + WEEK), to: new Date(START + WEEK + 48 * HOUR) };
    const withBlackout = await queries.savings({
      buildingId: 'Retrofit_A',
      changeDate: new Date(CHANGE),
      blackout,
    });
    expect(withBlackout.data?.baseline.hours).toBe(6 * 168 - 48 - 6);
    expect(withBlackout.data?.blackout).toEqual(blackout);
    // As of a week after the change: only the hours that had ended by then.
    const weekAfter = await queries.savings({
      buildingId: 'Retrofit_A',
      changeDate: new Date(CHANGE),
      asOf: new Date(CHANGE + WEEK),
    });
    expect(weekAfter.data?.reporting).toMatchObject({ to: new Date(CHANGE + WEEK), hours: 168 - 3 });
    expect(weekAfter.asOf).toEqual(new Date(CHANGE + WEEK));
    expect(weekAfter.dataUntil).toEqual(new Date(CHANGE + WEEK));
  });

  it('refuses a change date still to come, a baseline too short and a noise baseline, each saying why', async () => {
    const now = new Date(END + 100 * HOUR);
    await expect(
      queries.savings({ buildingId: 'Retrofit_A', changeDate: new Date(END + 200 * HOUR), now }),
    ).rejects.toThrow(/is not in the past .*there is no reporting period/);
    await expect(
      queries.savings({ buildingId: 'Retrofit_A', changeDate: new Date(CHANGE), asOf: new Date(CHANGE) }),
    ).rejects.toThrow(/not in the past \(asOf is/);
    await expect(
      queries.savings({ buildingId: 'Retrofit_A', changeDate: new Date(CHANGE), confidence: 90 }),
    ).rejects.toThrow(/between 0 and 1/);
    await expect(
      queries.savings({ buildingId: 'Retrofit_A', changeDate: new Date(START + 2 * WEEK) }),
    ).rejects.toThrow(/has only 2\.0 weeks of electricity data .* at least 4 weeks are needed/);
    const noisy = queries.savings({ buildingId: 'Noisy_B', changeDate: new Date(CHANGE) });
    await expect(noisy).rejects.toBeInstanceOf(BaselineNotQualifiedError);
    await expect(noisy).rejects.toThrow(/CV\(RMSE\) \d+\.\d % is above the 30\.0 % limit/);
    await expect(
      queries.savings({
        buildingId: 'Retrofit_A',
        changeDate: new Date(CHANGE),
        baseline: { from: new Date(START), to: new Date(CHANGE + HOUR) },
      }),
    ).rejects.toBeInstanceOf(EaioError);
    expect(
      (await queries.savings({ buildingId: 'Nowhere', changeDate: new Date(CHANGE) })).data,
    ).toBeUndefined();
  });

  it('estimate_savings answers over MCP with the uncertainty, the fit and the provenance', async () => {
    const { isError, structured, text } = await call(TOOL_NAMES.estimateSavings, {
      buildingId: 'Retrofit_A',
      changeDate: iso(CHANGE),
      reporting: { from: iso(CHANGE), to: iso(END) },
    });
    expect(isError, text).toBe(false);
    const direct = await queries.savings({
      buildingId: 'Retrofit_A',
      changeDate: new Date(CHANGE),
      reporting: { from: new Date(CHANGE), to: new Date(END) },
    });
    expect(structured.avoided).toBe(direct.data?.avoided);
    expect((structured.model as { contentHash: string }).contentHash).toBe(direct.data?.model.contentHash);
    const u = structured.uncertainty as { confidence: number; n: number; m: number; absolute: number };
    expect(u).toMatchObject({ confidence: 0.9, n: 6 * 168 - 6, m: 2 * 168 - 3 });
    expect(u.absolute).toBe(direct.data?.uncertainty.absolute);
    expect((structured.baselineFit as { meetsGuideline14: boolean }).meetsGuideline14).toBe(true);
    expect(structured.baseline).toMatchObject({
      from: iso(START),
      to: iso(CHANGE),
      hours: 6 * 168 - 6,
      hoursWithoutTemperature: 2,
      hoursWithoutConsumption: 4,
    });
    const meta = structured as unknown as AnswerMeta;
    expect(meta.provenance.map((p) => p.readModel)).toEqual(['rollups', 'weather', 'buildings']);
    expect(text).toMatch(/avoided [\d.]+ ± [\d.]+ kWh at 90 % confidence/);
    expect(text).toContain('Guideline 14');

    const at95 = await call(TOOL_NAMES.estimateSavings, {
      buildingId: 'Retrofit_A',
      changeDate: iso(CHANGE),
      reporting: { from: iso(CHANGE), to: iso(END) },
      confidence: 0.95,
    });
    expect((at95.structured.uncertainty as { absolute: number }).absolute).toBeGreaterThan(u.absolute);
  });

  it('estimate_savings refuses with a sentence to act on: noise baseline, unknown building, future change', async () => {
    const noisy = await call(TOOL_NAMES.estimateSavings, { buildingId: 'Noisy_B', changeDate: iso(CHANGE) });
    expect(noisy.isError).toBe(true);
    expect(noisy.text).toMatch(/does not meet ASHRAE Guideline 14's hourly limits .*CV\(RMSE\)/);
    const unknown = await call(TOOL_NAMES.estimateSavings, {
      buildingId: 'Nowhere',
      changeDate: iso(CHANGE),
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("No building 'Nowhere' is known");
    const future = await call(TOOL_NAMES.estimateSavings, {
      buildingId: 'Retrofit_A',
      changeDate: iso(Date.now() + 30 * 24 * HOUR),
    });
    expect(future.isError).toBe(true);
    expect(future.text).toMatch(/not in the past/);
  });
});
