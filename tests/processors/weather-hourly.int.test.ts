import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { HOURLY_WEATHER_SOURCE, hourlyWeather, weatherHourlyProcessor } from '../../processors/index.ts';
import type { WeatherObservation } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { type Bdg1WeatherSample, loadBdg1WeatherSample } from '../../sources/index.ts';
import { DEAD_LETTER_HEADERS } from '../../stream-runtime/index.ts';
import { caughtUp, multiset, readEvents, runToEnd } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** Each station's excerpts in file order, so each station's observations stay in time order. */
const STATIONS: readonly (readonly Bdg1WeatherSample[])[] = [
  ['weather1', 'weather1Missing', 'weather1Dst'],
  ['weather2', 'weather2Missing', 'weather2Dst'],
  ['weather10', 'weather10Missing'],
];

/**
 * What the pure operator emits while the input stays open, as on the broker (a processor's input
 * never completes, so the last hours of each station stay open). The lateness is the catalogue's
 * one hour: with another the trailing open hours, and so the count, would differ.
 */
function liveHourly(observations: readonly WeatherObservation[]): WeatherObservation[] {
  const out: WeatherObservation[] = [];
  const input = new Subject<WeatherObservation>();
  input.pipe(hourlyWeather({ allowedLatenessMs: HOUR_MS })).subscribe((hour) => out.push(hour));
  for (const o of observations) input.next(o);
  return out;
}

const byStationAndHour = (a: WeatherObservation, b: WeatherObservation): number =>
  (a.stationId < b.stationId ? -1 : a.stationId > b.stationId ? 1 : 0) ||
  a.occurredAt.getTime() - b.occurredAt.getTime();

describe('weather-hourly on the broker: real BDG1 observations to hourly weather', () => {
  let platform: TestPlatform;
  const observations: WeatherObservation[] = [];
  let first: WeatherObservation[] = [];

  const publish = async (list: readonly WeatherObservation[]): Promise<void> => {
    const producer = await platform.producer();
    for (let i = 0; i < list.length; i += 500) {
      const messages = await Promise.all(
        list.slice(i, i + 500).map(async (o) => ({
          key: o.stationId,
          value: await platform.codec.encode('weatherObservations', o),
        })),
      );
      await producer.send({ topic: platform.names.topic('weatherObservations'), acks: -1, messages });
    }
  };

  beforeAll(async () => {
    platform = await createTestPlatform('weather_hourly');
    for (const samples of STATIONS) {
      for (const sample of samples) observations.push(...(await loadBdg1WeatherSample(sample)).observations);
    }
    await publish(observations);
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('emits exactly the pure operator’s hours, keyed by station, with hourly means of the observations', async () => {
    await runToEnd(platform, weatherHourlyProcessor);
    const events = await readEvents(platform, 'weatherHourly');
    first = events.map((e) => e.value);
    expect(events.every((e) => e.key === e.value.stationId)).toBe(true);

    const expected = liveHourly(observations);
    // Real samples, so the figures are fixed: 1,069 kept observations make 786 closed station-hours.
    expect(observations).toHaveLength(1069);
    expect(expected).toHaveLength(786);
    expect(new Set(expected.map((h) => h.stationId)).size).toBe(3);
    expect(first.length).toBe(expected.length);
    expect([...first].sort(byStationAndHour)).toEqual([...expected].sort(byStationAndHour));

    // Independently of the operator: each hour's temperature is the mean of its observations'.
    for (const hour of first) {
      const temperatures = observations
        .filter(
          (o) =>
            o.stationId === hour.stationId &&
            Math.floor(o.occurredAt.getTime() / HOUR_MS) * HOUR_MS === hour.occurredAt.getTime(),
        )
        .map((o) => o.temperatureC)
        .filter((t): t is number => typeof t === 'number');
      expect(hour.source).toBe(HOURLY_WEATHER_SOURCE);
      if (temperatures.length === 0) expect(hour.temperatureC).toBeNull();
      else
        expect(hour.temperatureC).toBeCloseTo(
          temperatures.reduce((s, t) => s + t, 0) / temperatures.length,
          9,
        );
    }
    expect(new Set(first.map((h) => h.eventId)).size).toBe(first.length);
  });

  it('dead-letters an observation that arrives after its hour was emitted, and leaves that hour alone', async () => {
    const early = observations[0] as WeatherObservation;
    const late: WeatherObservation = { ...early, eventId: randomUUID(), temperatureC: 40 };
    await publish([late]);
    await runToEnd(platform, weatherHourlyProcessor);

    expect((await readEvents(platform, 'weatherHourly')).map((e) => e.value)).toEqual(first);
    const letters = await readTopicToEnd(platform.kafka, platform.names.deadLetter('weatherObservations'));
    expect(letters).toHaveLength(1);
    const headers = letters[0]?.message.headers ?? {};
    expect(headers[DEAD_LETTER_HEADERS.errorCode]?.toString()).toBe('EVENT_TOO_LATE');
    expect(headers[DEAD_LETTER_HEADERS.stage]?.toString()).toBe('process:weather-hourly');
    const decoded = await platform.codec.decode('weatherObservations', letters[0]?.message.value ?? null);
    expect(decoded.value.eventId).toBe(late.eventId);
  });

  it('a second run from scratch yields the identical hourly events', async () => {
    const replay = { ...weatherHourlyProcessor, name: 'weather-hourly-replay' };
    await runToEnd(platform, replay);
    const all = (await readEvents(platform, 'weatherHourly')).map((e) => e.value);
    expect(all).toHaveLength(2 * first.length);
    expect(multiset(all)).toEqual(new Map([...multiset(first)].map(([k, n]) => [k, 2 * n])));
    // The replay met the late observation too, and dead-lettered it under its own stage.
    await caughtUp(
      platform,
      `${platform.names.prefix}weather-hourly-replay`,
      platform.names.topic('weatherObservations'),
    );
    const stages = (
      await readTopicToEnd(platform.kafka, platform.names.deadLetter('weatherObservations'))
    ).map((l) => l.message.headers?.[DEAD_LETTER_HEADERS.stage]?.toString());
    expect(stages).toEqual(['process:weather-hourly', 'process:weather-hourly-replay']);
  });
});
