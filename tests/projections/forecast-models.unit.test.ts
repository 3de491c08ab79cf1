import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../processors/anomalies/index.ts';
import {
  type ForecastMeter,
  forecastHoursOf,
  forecastsProjection,
  isModelTrained,
  issueForecast,
  MODEL_VERSIONS,
  modelVersionNamed,
  type StoredModel,
  tagsToInvalidate,
  trainModel,
} from '../../projections/index.ts';
import type { ForecastIssued, ModelPromoted } from '../../schemas/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const METER: ForecastMeter = {
  meterId: 'm1',
  buildingId: 'B1',
  meterKind: 'electricity',
  unit: 'kWh',
  timeZone: 'UTC',
  stationId: 'S1',
};

describe('forecast hours', () => {
  it("cover the building's next local day, or seven, in UTC hours, DST days included", () => {
    const issued = new Date('2016-03-12T15:00:00Z');
    const utc = forecastHoursOf(issued, 'UTC', 'day_ahead');
    expect(utc).toHaveLength(24);
    expect(utc[0]?.toISOString()).toBe('2016-03-13T00:00:00.000Z');
    // New York springs forward on 2016-03-13: its local day has 23 hours, starting 05:00 UTC.
    const ny = forecastHoursOf(issued, 'America/New_York', 'day_ahead');
    expect(ny).toHaveLength(23);
    expect(ny[0]?.toISOString()).toBe('2016-03-13T05:00:00.000Z');
    expect(forecastHoursOf(new Date('2016-06-01T10:00:00Z'), 'Europe/London', 'week_ahead')).toHaveLength(
      168,
    );
  });
});

describe('training', () => {
  it('skips, saying why, a meter with too little data or no station, and names unknown versions', () => {
    const version = modelVersionNamed('towt-v1');
    const asOf = new Date(Date.UTC(2016, 2, 1));
    const few = Array.from({ length: 100 }, (_, h) => ({
      hourStart: new Date(asOf.getTime() - 20 * DAY + h * HOUR),
      consumption: 1,
      temperatureC: 10,
    }));
    const tooFew = trainModel({ meter: METER, version, asOf, observations: few });
    expect(isModelTrained(tooFew)).toBe(false);
    expect(tooFew).toMatchObject({ meterId: 'm1', version: 'towt-v1' });
    expect((tooFew as { reason: string }).reason).toContain('at least 168 are needed');
    const noStation = trainModel({ meter: { ...METER, stationId: null }, version, asOf, observations: few });
    expect((noStation as { reason: string }).reason).toBe('building B1 has no weather station');
    expect(() => modelVersionNamed('towt-v9')).toThrow(
      /known versions: towt-v1, towt-v2, towt-v3, seasonal-naive-v1/,
    );
    expect(MODEL_VERSIONS.map((v) => v.version)).toEqual([
      'towt-v1',
      'towt-v2',
      'towt-v3',
      'seasonal-naive-v1',
    ]);
  });

  it('towt-v3 leaves spiked training hours out of its fit, and scores better than towt-v1 on the same data', () => {
    const asOf = new Date(Date.UTC(2016, 2, 1));
    const random = seededRandom(7);
    const observations = Array.from({ length: 70 * 24 }, (_, i) => {
      const hourStart = new Date(asOf.getTime() - 70 * DAY + i * HOUR);
      const hour = hourStart.getUTCHours();
      const temperatureC =
        5 + 8 * Math.sin((2 * Math.PI * i) / 24) + 4 * Math.sin((2 * Math.PI * i) / (24 * 9));
      const load = 20 + (hour >= 8 && hour < 18 ? 15 : 0) + 1.5 * Math.max(0, 15 - temperatureC);
      // One training hour in forty reads ten times its load: a meter fault, not consumption.
      const spiked = i < 60 * 24 && i % 40 === 3;
      return { hourStart, temperatureC, consumption: (spiked ? 10 : 1) * load + (random() - 0.5) };
    });
    const v1 = trainModel({ meter: METER, version: modelVersionNamed('towt-v1'), asOf, observations });
    const v3 = trainModel({ meter: METER, version: modelVersionNamed('towt-v3'), asOf, observations });
    if (!isModelTrained(v1) || !isModelTrained(v3)) throw new Error('both versions should train');
    expect(v3.trainingSamples).toBeLessThan(v1.trainingSamples);
    expect(v3.contentHash).not.toBe(v1.contentHash);
    expect(v3.heldBackCvRmse).toBeLessThan(0.05);
    expect(v1.heldBackCvRmse).toBeGreaterThan(2 * v3.heldBackCvRmse);
  });
});

const naive: StoredModel = {
  modelId: 'seasonal-naive-v1:m1:a:b',
  version: 'seasonal-naive-v1',
  modelKind: 'seasonal_naive',
  timeZone: 'UTC',
  knotsC: [],
  coefficients: [],
  trainingSamples: 168,
  heldBackTo: new Date(0),
};

describe('issuing a forecast', () => {
  const issuedAt = new Date(Date.UTC(2016, 2, 8));
  const hours = forecastHoursOf(issuedAt, 'UTC', 'day_ahead');
  const history = new Map(
    Array.from({ length: 14 * 24 }, (_, h) => [issuedAt.getTime() - (h + 1) * HOUR, h] as [number, number]),
  );
  const issue = () =>
    issueForecast({
      meter: METER,
      model: naive,
      horizon: 'day_ahead',
      issuedAt,
      hours,
      temperatures: new Map(),
      history,
    });

  it('is a pure function: the same inputs give the same event, id included', () => {
    const a = issue();
    expect(a).toEqual(issue());
    expect(a?.hours).toHaveLength(24);
    // Seasonal naive: the same hour one week earlier.
    expect(a?.hours[0]?.hourStart).toEqual(new Date(issuedAt.getTime() + DAY));
    expect(a?.hours[0]?.value).toBe(history.get(issuedAt.getTime() + DAY - 7 * DAY));
    expect(a?.hours[0]).toMatchObject({ temperatureC: null, temperatureSource: null });
  });
});

describe('the forecasts read model', () => {
  const issue = (issuedAt: string, value: number): ForecastIssued => ({
    eventId: `00000000-0000-5000-8000-00000000000${value}`,
    occurredAt: new Date(issuedAt),
    source: 'test',
    modelId: 'x',
    modelKind: 'towt',
    version: 'towt-v1',
    meterId: 'm1',
    buildingId: 'B1',
    meterKind: 'electricity',
    unit: 'kWh',
    issuedAt: new Date(issuedAt),
    horizon: 'day_ahead',
    stationId: 'S1',
    hours: [
      { hourStart: new Date('2016-03-09T00:00:00Z'), value, temperatureC: 5, temperatureSource: 'forecast' },
    ],
    traceContext: null,
  });

  it('keeps the latest issue of an hour whatever order the log holds them in', () => {
    const later = issue('2016-03-08T06:00:00Z', 2);
    const earlier = issue('2016-03-08T00:00:00Z', 1);
    const fold = (events: ForecastIssued[]) => {
      let state = forecastsProjection.initial();
      events.forEach((event, i) => {
        state = forecastsProjection.evolve(state, {
          topic: 'forecasts',
          event,
          partition: 0,
          offset: String(i),
        });
      });
      return [...state.hours.values()].map((r) => r.value);
    };
    expect(fold([earlier, later])).toEqual([2]);
    expect(fold([later, earlier])).toEqual([2]);
  });
});

describe('cache tags', () => {
  it("evict a building's answers on a promotion for it, and the portfolio's on one for all", () => {
    const promoted = (scope: ModelPromoted['scope'], buildingId: string | null): ModelPromoted => ({
      eventId: '00000000-0000-4000-8000-000000000001',
      occurredAt: new Date(0),
      source: 'test',
      scope,
      scopeId: buildingId ?? '*',
      buildingId,
      version: 'towt-v2',
      promotedBy: 'admin',
      reason: 'test',
      traceContext: null,
    });
    const at = (event: ModelPromoted) => ({
      topic: 'modelPromotions' as const,
      event,
      partition: 0,
      offset: '0',
    });
    expect(tagsToInvalidate([at(promoted('building', 'B1'))])).toEqual(['building:B1']);
    expect(tagsToInvalidate([at(promoted('all', null))])).toEqual(['portfolio']);
  });
});
