import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedEventId, HOUR_MS } from '../../../schemas/index.ts';
import {
  alertEvents,
  type ForecastIssue,
  forecastEvents,
  type HourlyWeather,
  observationEvents,
} from '../../../sources/index.ts';

const ISSUED = new Date('2026-01-10T06:00:00Z');

function hour(at: number, temperatureC: number | null): HourlyWeather {
  return {
    at: new Date(at),
    temperatureC,
    relativeHumidityPct: null,
    dewPointC: null,
    precipitationMm: null,
    windSpeedKmh: null,
    windDirectionDeg: null,
    pressureHpa: null,
  };
}

function issueOf(temperatures: readonly (number | null)[], startOffsetHours = 0): ForecastIssue {
  return {
    provider: 'open-meteo',
    stationId: 'EGLL',
    issuedAt: ISSUED,
    fetchedAt: new Date(ISSUED.getTime() + 20 * 60_000),
    hours: temperatures.map((t, i) => hour(ISSUED.getTime() + (i + startOffsetHours) * HOUR_MS, t)),
  };
}

const THRESHOLDS = { heatC: 30, coldC: -5, horizonHours: 48 };

describe('weather alerts from a forecast issue', () => {
  it('raises one alert per contiguous window beyond a threshold, with the extreme and its hour', () => {
    const alerts = alertEvents(issueOf([0, -5, -7.5, -6, 0, null, -8, 31, 29, 30]), THRESHOLDS, ['B1']);
    expect(
      alerts.map((a) => [
        a.kind,
        a.windowFrom.getUTCHours(),
        a.windowTo.getUTCHours(),
        a.extremeC,
        a.extremeAt.getUTCHours(),
      ]),
    ).toEqual([
      ['cold', 7, 10, -7.5, 8],
      ['cold', 12, 13, -8, 12],
      ['heat', 13, 14, 31, 13],
      ['heat', 15, 16, 30, 15],
    ]);
    expect(
      alerts.every((a) => a.buildingIds?.[0] === 'B1' && a.thresholdC === (a.kind === 'heat' ? 30 : -5)),
    ).toBe(true);
  });

  it('ignores hours before the issue and beyond the horizon, and ends a window at a gap in the hours', () => {
    const before = alertEvents(issueOf([35, 35, 20], -2), THRESHOLDS, []);
    expect(before).toEqual([]);
    const beyond = alertEvents(issueOf([...Array<number>(48).fill(10), 35]), THRESHOLDS, []);
    expect(beyond).toEqual([]);
    const gapped = issueOf([31, 31]);
    const withGap = {
      ...gapped,
      hours: [gapped.hours[0] as HourlyWeather, hour(ISSUED.getTime() + 3 * HOUR_MS, 32)],
    };
    expect(alertEvents(withGap, THRESHOLDS, [])).toHaveLength(2);
  });

  it('gives the same ids for the same issue, and others for another issue', () => {
    const temperatures = fc.array(fc.option(fc.double({ min: -20, max: 40, noNaN: true }), { nil: null }), {
      maxLength: 60,
    });
    fc.assert(
      fc.property(temperatures, (ts) => {
        const issue = issueOf(ts);
        const first = alertEvents(issue, THRESHOLDS, []);
        expect(alertEvents(issue, THRESHOLDS, []).map((a) => a.eventId)).toEqual(first.map((a) => a.eventId));
        // Windows of one kind never overlap and never touch (they would be one window).
        for (const kind of ['heat', 'cold'] as const) {
          const ws = first.filter((a) => a.kind === kind);
          for (let i = 1; i < ws.length; i++)
            expect((ws[i] as (typeof ws)[number]).windowFrom.getTime()).toBeGreaterThan(
              (ws[i - 1] as (typeof ws)[number]).windowTo.getTime(),
            );
        }
        const later = alertEvents(
          { ...issue, issuedAt: new Date(ISSUED.getTime() - HOUR_MS) },
          THRESHOLDS,
          [],
        );
        const ids = new Set(first.map((a) => a.eventId));
        expect(later.some((a) => ids.has(a.eventId))).toBe(false);
      }),
    );
  });
});

describe('observation and forecast events', () => {
  it('derive their ids from provider, station and hour (observations) or issue and interval (forecasts)', () => {
    const hours = [hour(ISSUED.getTime(), 1), hour(ISSUED.getTime() + HOUR_MS, 2)];
    const observations = observationEvents('open-meteo', 'EGLL', hours);
    expect(observations[1]?.eventId).toBe(
      derivedEventId('weather-observation', 'open-meteo', 'EGLL', '2026-01-10T07:00:00.000Z'),
    );
    expect(observations[1]).toMatchObject({ occurredAt: hours[1]?.at, stationId: 'EGLL', temperatureC: 2 });
    const forecasts = forecastEvents(issueOf([1, 2, 3], -1));
    expect(forecasts.map((f) => f.validFrom.toISOString())).toEqual([
      '2026-01-10T06:00:00.000Z',
      '2026-01-10T07:00:00.000Z',
    ]);
    expect(forecasts[0]).toMatchObject({
      eventId: derivedEventId(
        'weather-forecast',
        'open-meteo',
        'EGLL',
        ISSUED.toISOString(),
        ISSUED.toISOString(),
      ),
      validTo: new Date(ISSUED.getTime() + HOUR_MS),
      issuedAt: ISSUED,
      provider: 'open-meteo',
    });
  });
});
