import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProjector } from '../../app/index.ts';
import {
  issueForecasts,
  type ModelJobDeps,
  rebuildNamedProjection,
  runProjector,
  startModelJob,
  trainModels,
} from '../../app/index.ts';
import {
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import {
  DEFAULT_KNOTS_C,
  predictTowt,
  type RunningProcessor,
  runNamedProcessor,
  towtFromCoefficients,
} from '../../processors/index.ts';
import {
  buildingsProjection,
  createQueryLayer,
  forecastsProjection,
  modelsProjection,
  promotionTopicKey,
  weatherForecastsProjection,
} from '../../projections/index.ts';
import { metersProjection } from '../../projections/meters/index.ts';
import { rollupsProjection } from '../../projections/rollups/index.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type { SensorReading, WeatherForecast, WeatherObservation } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { produce } from '../support/query-data-set.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday, so hour of week 0 is the first hour. */
const START = Date.UTC(2016, 0, 4);
const DAYS = 68;
const METER = 'Fc_A:e';
const STATION = 'ST_FC';
/** Training ends here: towt-v1 fits days 0-55 and is scored on days 56-62. */
const AS_OF = new Date(START + 63 * DAY);
const iso = (ms: number) => new Date(ms).toISOString();

/** Deterministic weather that varies across weeks, so last week's consumption is a poor guess. */
const temperatureAt = (h: number): number =>
  16 + 7 * Math.sin((2 * Math.PI * h) / 24) + 9 * Math.sin((2 * Math.PI * h) / (24 * 5.3));

/** The model the data is generated from: TOWT with default knots, an occupied-hours schedule. */
const hourOfWeek = Array.from({ length: 168 }, (_, i) => {
  const day = Math.floor(i / 24);
  const hour = i % 24;
  return day < 5 && hour >= 8 && hour < 18 ? 80 : 40;
});
const slopes = [-2, -0.5, 0.3, 2.5, 4, 0];
const truth = towtFromCoefficients({
  timeZone: 'UTC',
  knotsC: DEFAULT_KNOTS_C,
  coefficients: [...hourOfWeek, ...slopes],
  samples: 0,
});
const consumptionAt = (h: number): number => predictTowt(truth, new Date(START + h * HOUR), temperatureAt(h));

describe('forecast models end to end: readings -> rollups -> trainer -> ModelTrained -> forecasts -> MCP', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let aggregates: RunningProcessor;
  let mcp: RunningMcpHttpServer;
  let client: Client;
  let deps: ModelJobDeps;

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
    platform = await createTestPlatform('forecast_models');
    deps = {
      pool: platform.pool,
      producer: () => platform.producer(),
      codec: platform.codec,
      names: platform.names,
    };
    await produce(
      platform,
      'buildings',
      [
        {
          eventId: randomUUID(),
          occurredAt: new Date(START),
          source: 'test',
          buildingId: 'Fc_A',
          siteId: null,
          primaryUse: 'Office',
          floorAreaM2: 1000,
          timezone: 'UTC',
          yearBuilt: null,
          weatherStationId: STATION,
        },
      ],
      (b) => b.buildingId,
    );
    await produce(
      platform,
      'meters',
      [
        {
          eventId: randomUUID(),
          occurredAt: new Date(START),
          source: 'test',
          meterId: METER,
          buildingId: 'Fc_A',
          meterKind: 'electricity',
          unit: 'kWh',
        },
      ],
      (m) => m.meterId,
    );
    const weather: WeatherObservation[] = Array.from({ length: DAYS * 24 }, (_, h) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START + h * HOUR),
      source: 'test',
      stationId: STATION,
      temperatureC: temperatureAt(h),
    }));
    await produce(platform, 'weatherHourly', weather, (w) => w.stationId);
    // The station's forecast for day 64, issued at the start of day 63: the day-ahead forecast issued
    // then uses it rather than the observations.
    const forecasts: WeatherForecast[] = Array.from({ length: 24 }, (_, i) => {
      const h = 64 * 24 + i;
      return {
        eventId: randomUUID(),
        occurredAt: new Date(START + 63 * DAY),
        source: 'test',
        stationId: STATION,
        issuedAt: new Date(START + 63 * DAY),
        validFrom: new Date(START + h * HOUR),
        validTo: new Date(START + (h + 1) * HOUR),
        temperatureC: temperatureAt(h),
        provider: 'test',
      };
    });
    await produce(platform, 'weatherForecasts', forecasts, (f) => f.stationId);
    const readings: SensorReading[] = Array.from({ length: DAYS * 24 }, (_, h) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START + h * HOUR + 30 * 60_000),
      source: 'test',
      buildingId: 'Fc_A',
      meterId: METER,
      meterKind: 'electricity',
      value: consumptionAt(h),
      unit: 'kWh',
    }));
    await publishReadings(await platform.feedDeps(), readings);
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
      projections: [
        buildingsProjection,
        metersProjection,
        rollupsProjection,
        weatherProjection,
        weatherForecastsProjection,
        modelsProjection,
        forecastsProjection,
      ],
    });
    await waitFor(
      'hourly rollups of 67 days, the weather and its forecast projected',
      async () => {
        const { rows } = await platform.pool.query<{ rollups: string; weather: string; forecasts: string }>(
          `SELECT (SELECT count(*) FROM rollups_1h WHERE meter_id = $1 AND window_start < $2) AS rollups,
                  (SELECT count(*) FROM weather_hourly WHERE station_id = $3) AS weather,
                  (SELECT count(*) FROM weather_forecasts WHERE station_id = $3) AS forecasts`,
          [METER, new Date(START + 67 * DAY), STATION],
        );
        const r = rows[0];
        return Number(r?.rollups) === 67 * 24 &&
          Number(r?.weather) === DAYS * 24 &&
          Number(r?.forecasts) === 24
          ? true
          : undefined;
      },
      { timeoutMs: 180_000 },
    );
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory({
        ...createQueryLayer(platform),
        promotions: {
          async send(event) {
            await produce(platform, 'modelPromotions', [event], promotionTopicKey);
          },
        },
      }),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-forecast-models');
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await projector?.stop();
    await aggregates?.stop();
    await platform?.dispose();
  });

  it('refuses a forecast before any model is trained, saying how to train one', async () => {
    const r = await call(TOOL_NAMES.forecastConsumption, { buildingId: 'Fc_A', asOf: AS_OF.toISOString() });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('eaio models train');
  });

  it('trains deterministically: twice the same ModelTrained, ids, coefficients and hashes, and recovers the generating coefficients', async () => {
    const options = {
      versions: ['towt-v1', 'seasonal-naive-v1'],
      asOf: AS_OF,
      skipExisting: false,
      dryRun: true,
    };
    const first = await trainModels(deps, options);
    const second = await trainModels(deps, options);
    expect(first.skipped).toEqual([]);
    expect(first.trained.map((m) => m.version)).toEqual(['towt-v1', 'seasonal-naive-v1']);
    expect(second.trained).toEqual(first.trained);
    const towt = first.trained[0];
    expect(towt?.modelId).toBe(`towt-v1:${METER}:${iso(START)}:${iso(START + 63 * DAY)}`);
    expect(towt?.trainingFrom).toEqual(new Date(START));
    expect(towt?.heldBackFrom).toEqual(new Date(START + 56 * DAY));
    const expected = [...hourOfWeek, ...slopes];
    towt?.coefficients.forEach((c, i) => {
      expect(c, towt.features[i]).toBeCloseTo(expected[i] ?? Number.NaN, 6);
    });
    expect(towt?.heldBackN).toBe(7 * 24);
    expect(towt?.heldBackCvRmse).toBeLessThan(1e-6);
    expect(first.trained[1]?.heldBackCvRmse).toBeGreaterThan(0.05);
  });

  it('publishes the models; a re-run only skips them; a rebuild of the models read model by replay gives the same rows', async () => {
    const published = await trainModels(deps, { versions: ['towt-v1', 'seasonal-naive-v1'], asOf: AS_OF });
    expect(published.trained).toHaveLength(2);
    const readRows = async () =>
      (
        await platform.pool.query(
          `SELECT model_id, version, coefficients, content_hash, held_back_n, cv_rmse, nmbe, r2, event_id, trained_at
             FROM forecast_models ORDER BY model_id`,
        )
      ).rows;
    await waitFor('two models projected', async () => ((await readRows()).length === 2 ? true : undefined));
    const again = await trainModels(deps, { versions: ['towt-v1', 'seasonal-naive-v1'], asOf: AS_OF });
    expect(again).toMatchObject({ trained: [], existing: 2 });
    // A forced re-run publishes duplicates (same event ids), which leave the rows as they were.
    await trainModels(deps, { versions: ['towt-v1', 'seasonal-naive-v1'], asOf: AS_OF, skipExisting: false });
    const before = await readRows();
    expect(before.map((r) => r.content_hash)).toEqual(
      [...published.trained].sort((a, b) => a.modelId.localeCompare(b.modelId)).map((m) => m.contentHash),
    );
    const rebuilt = await rebuildNamedProjection(platform, 'models');
    expect(rebuilt).toMatchObject({ generation: 2, previous: 1 });
    // Four events replayed (two models, published twice: the skipping re-run sent none), folded into two rows.
    expect(rebuilt.applied).toBe(4);
    await waitFor('the rebuilt generation answers', async () =>
      (await readRows()).length === 2 ? true : undefined,
    );
    expect(await readRows()).toEqual(before);
  }, 120_000);

  it('issues forecasts for three days, A/B compares the versions with their n, and answers over MCP with the version behind it', async () => {
    for (let d = 63; d <= 65; d++) {
      const report = await issueForecasts(deps, {
        versions: ['towt-v1', 'seasonal-naive-v1'],
        horizons: ['day_ahead'],
        asOf: new Date(START + d * DAY),
      });
      expect(report.skipped).toEqual([]);
      expect(report.issued).toHaveLength(2);
    }
    await waitFor('three days of two versions projected', async () => {
      const { rows } = await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM forecast_hours');
      return Number(rows[0]?.n) === 3 * 24 * 2 ? true : undefined;
    });

    const forecast = await call(TOOL_NAMES.forecastConsumption, {
      buildingId: 'Fc_A',
      asOf: iso(START + 63 * DAY),
    });
    expect(forecast.isError, forecast.text).toBe(false);
    const [meter] = forecast.structured.meters as Record<string, unknown>[];
    expect(meter).toMatchObject({
      meterId: METER,
      version: 'towt-v1',
      chosenBy: 'default',
      modelId: `towt-v1:${METER}:${iso(START)}:${iso(START + 63 * DAY)}`,
      trainingFrom: iso(START),
      temperatures: { forecast: 24, observed: 0, climatology: 0 },
    });
    expect(meter?.hours).toHaveLength(24);
    const truthTotal = Array.from({ length: 24 }, (_, i) => consumptionAt(64 * 24 + i)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(meter?.total as number).toBeCloseTo(truthTotal, 3);
    expect(forecast.text).toContain('towt-v1');

    const compare = await call(TOOL_NAMES.compareModels, {
      versionA: 'towt-v1',
      versionB: 'seasonal-naive-v1',
      buildingId: 'Fc_A',
      to: iso(START + 67 * DAY),
    });
    expect(compare.isError, compare.text).toBe(false);
    expect(compare.structured).toMatchObject({ verdict: 'a', better: 'towt-v1', minimumN: 48 });
    expect((compare.structured.a as { n: number }).n).toBe(72);
    expect((compare.structured.b as { n: number }).n).toBe(72);
    expect((compare.structured.b as { cvRmse: number }).cvRmse).toBeGreaterThan(
      (compare.structured.a as { cvRmse: number }).cvRmse + 0.05,
    );
    expect(compare.text).toContain('n=72');

    const thin = await call(TOOL_NAMES.compareModels, {
      versionA: 'towt-v1',
      versionB: 'seasonal-naive-v1',
      buildingId: 'Fc_A',
      days: 1,
      to: iso(START + 65 * DAY),
    });
    expect(thin.structured).toMatchObject({ verdict: 'not enough data', better: null });
    expect(thin.text).toContain('Not enough data: 24 paired hour(s)');
  }, 120_000);

  it('promotes a version (dry run first) and forecast answers then use it', async () => {
    const dry = await call(TOOL_NAMES.promoteModel, {
      version: 'seasonal-naive-v1',
      scope: 'building',
      buildingId: 'Fc_A',
      reason: 'test A/B',
    });
    expect(dry.structured).toMatchObject({ dryRun: true, eventId: null });
    const done = await call(TOOL_NAMES.promoteModel, {
      version: 'seasonal-naive-v1',
      scope: 'building',
      buildingId: 'Fc_A',
      reason: 'test A/B',
      dryRun: false,
      confirm: true,
    });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ dryRun: false, promotedBy: 'test-admin', scopeId: 'Fc_A' });
    await waitFor('the promotion projected', async () => {
      const r = await call(TOOL_NAMES.forecastConsumption, {
        buildingId: 'Fc_A',
        asOf: iso(START + 64 * DAY),
      });
      const [m] = (r.structured?.meters ?? []) as Record<string, unknown>[];
      return m?.version === 'seasonal-naive-v1' && m.chosenBy === 'building' ? true : undefined;
    });
  });

  it('eaio models train --dry-run and eaio models list print the same models from the command line', async () => {
    const train = spawnEaio(
      ['models', 'train', '--version', 'towt-v1', '--as-of', AS_OF.toISOString(), '--force', '--dry-run'],
      platform.childEnv,
    );
    expect(await train.exited(), train.stderr()).toBe(0);
    const [trained] = train
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(trained).toMatchObject({
      modelId: `towt-v1:${METER}:${iso(START)}:${iso(START + 63 * DAY)}`,
      version: 'towt-v1',
    });
    const list = spawnEaio(
      ['models', 'list', '--building', 'Fc_A', '--version', 'towt-v1'],
      platform.childEnv,
    );
    expect(await list.exited(), list.stderr()).toBe(0);
    const [listed] = list
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed).toMatchObject({ modelId: trained?.modelId, contentHash: trained?.contentHash });
    const bad = spawnEaio(['models', 'forecast', '--horizon', 'month-ahead'], platform.childEnv);
    expect(await bad.exited()).not.toBe(0);
    expect(bad.stderr()).toContain('use day-ahead or week-ahead');
    const promote = spawnEaio(
      [
        'models',
        'promote',
        '--version',
        'towt-v2',
        '--scope',
        'meter',
        '--id',
        METER,
        '--building',
        'Fc_A',
        '--reason',
        'cli test',
        '--as',
        'user:tester',
      ],
      platform.childEnv,
    );
    expect(await promote.exited(), promote.stderr()).toBe(0);
    await waitFor('the CLI promotion projected', async () => {
      const { rows } = await platform.pool.query<{ version: string; promoted_by: string }>(
        "SELECT version, promoted_by FROM model_promotions WHERE scope = 'meter' AND scope_id = $1",
        [METER],
      );
      return rows[0]?.version === 'towt-v2' && rows[0].promoted_by === 'user:tester' ? true : undefined;
    });
  }, 120_000);

  it('refuses unknown buildings, unknown meters, unknown versions and bad arguments', async () => {
    const unknown = await call(TOOL_NAMES.forecastConsumption, { buildingId: 'Nowhere' });
    expect(unknown.isError).toBe(true);
    const meter = await call(TOOL_NAMES.forecastConsumption, { buildingId: 'Fc_A', meterId: 'nope' });
    expect(meter.isError).toBe(true);
    expect(meter.text).toContain("no meter 'nope'");
    const badHorizon = await call(TOOL_NAMES.forecastConsumption, {
      buildingId: 'Fc_A',
      horizon: 'month-ahead',
    });
    expect(badHorizon.isError).toBe(true);
    const same = await call(TOOL_NAMES.compareModels, { versionA: 'towt-v1', versionB: 'towt-v1' });
    expect(same.isError).toBe(true);
    const unknownVersion = await call(TOOL_NAMES.compareModels, { versionA: 'towt-v1', versionB: 'towt-v7' });
    expect(unknownVersion.isError).toBe(true);
    expect(unknownVersion.text).toContain('known versions: towt-v1, towt-v2, towt-v3, seasonal-naive-v1');
    const version = await call(TOOL_NAMES.promoteModel, {
      version: 'towt-v9',
      scope: 'all',
      reason: 'nope',
      dryRun: false,
      confirm: true,
    });
    expect(version.isError).toBe(true);
    expect(version.text).toContain('unknown model version');
    const unconfirmed = await call(TOOL_NAMES.promoteModel, {
      version: 'towt-v2',
      scope: 'all',
      reason: 'why not',
      dryRun: false,
    });
    expect(unconfirmed.isError).toBe(true);
  });

  it('the periodic job of eaio start trains the next window and forecasts from it in the same run, then stops', async () => {
    const job = startModelJob(deps, {
      intervalMs: 3_600_000,
      versions: ['towt-v1'],
      logger: platform.logger,
      now: () => new Date(START + 66 * DAY + 5 * HOUR),
    });
    try {
      await waitFor("the job's model and its forecasts projected", async () => {
        const { rows } = await platform.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM forecast_hours h JOIN forecast_models m USING (model_id)
            WHERE m.held_back_to = $1 AND h.horizon = 'week_ahead'`,
          [new Date(START + 66 * DAY)],
        );
        return Number(rows[0]?.n) > 0 ? true : undefined;
      });
    } finally {
      await job.stop();
    }
  }, 120_000);
});
