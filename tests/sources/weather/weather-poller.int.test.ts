import type { Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../infra/logging/index.ts';
import { derivedEventId, type TopicKey } from '../../../schemas/index.ts';
import {
  createOpenMeteoService,
  createWeatherPoller,
  type WeatherPoller,
  type WeatherPollerOptions,
  weatherPollerCheck,
} from '../../../sources/index.ts';
import { createTestPlatform, type TestPlatform } from '../../support/test-platform.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  type FakeOpenMeteo,
  fixture,
  LONDON_ARCHIVE,
  LONDON_FORECAST,
  recorded,
  startFakeOpenMeteo,
} from './fake-open-meteo.ts';

/** When the recorded London answers were "fetched": 13:20 UTC, so the forecast issue is 13:00. */
const FETCHED = Date.parse('2026-07-18T13:20:00Z');
const ISSUED = '2026-07-18T13:00:00.000Z';
const INTERVAL_MS = 200;

interface Recorded {
  hourly: { time: string[]; temperature_2m: (number | null)[] };
}
const forecastBody = JSON.parse(fixture(LONDON_FORECAST)) as Recorded;
const archiveBody = JSON.parse(fixture(LONDON_ARCHIVE)) as Recorded;
const utc = (time: string) => new Date(`${time}:00Z`);
/** Hours the recorded archive holds from the lookback start (168 h before 13:00) on: the filled ones. */
const EXPECTED_OBSERVATIONS = archiveBody.hourly.time.filter(
  (t, i) =>
    utc(t) >= new Date(Date.parse(ISSUED) - 168 * 3_600_000) && archiveBody.hourly.temperature_2m[i] !== null,
);
const EXPECTED_FORECASTS = forecastBody.hourly.time.filter((t) => utc(t) >= new Date(ISSUED));

/** A clock that runs from FETCHED at real speed; `advance` moves it on (past an interval) at once. */
function testClock() {
  const started = Date.now();
  let offset = 0;
  return {
    now: () => new Date(FETCHED + offset + (Date.now() - started)),
    advance(ms: number) {
      offset += ms;
    },
  };
}

describe('the weather poller against a loopback Open-Meteo serving recorded answers', () => {
  let platform: TestPlatform;
  let admin: Admin;
  let fake: FakeOpenMeteo;
  let logged: Record<string, unknown>[];
  const pollers: WeatherPoller[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform('weather_poller');
    admin = platform.kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
    await platform.dispose();
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    await fake.close();
  });

  async function pollerFor(
    stationId: string,
    overrides: Partial<WeatherPollerOptions> & { timeoutMs?: number } = {},
  ) {
    fake = await startFakeOpenMeteo();
    logged = [];
    const { timeoutMs = 300, ...rest } = overrides;
    const clock = testClock();
    const poller = createWeatherPoller(
      {
        producer: await platform.producer(),
        codec: platform.codec,
        names: platform.names,
        logger: createLogger({
          level: 'info',
          component: 'weather-poller',
          destination: {
            write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>),
          },
        }),
      },
      {
        service: createOpenMeteoService({
          forecastUrl: fake.forecastUrl,
          archiveUrl: fake.archiveUrl,
          timeoutMs,
        }),
        stations: [{ id: stationId, latitude: 51.5, longitude: -0.12 }],
        intervalMs: INTERVAL_MS,
        observationLookbackHours: 168,
        alerts: { heatC: 30, coldC: -5, horizonHours: 72 },
        buildingsOf: async (id) => (id === 'EGLL' ? ['Office_London_Ada', 'UnivLab_London_Bea'] : []),
        policy: { baseDelayMs: 10, maxDelayMs: 50 },
        clock: clock.now,
        ...rest,
      },
    );
    pollers.push(poller);
    return { poller, clock };
  }

  /** Messages on a topic now (every send was acknowledged by all replicas before the poll returned). */
  async function countOn(topic: TopicKey): Promise<number> {
    const offsets = await admin.fetchTopicOffsets(platform.names.topic(topic));
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  async function eventsOf<K extends 'weatherObservations' | 'weatherForecasts' | 'weatherAlerts'>(
    topic: K,
    stationId: string,
  ) {
    const messages = await platform.readAll(platform.names.topic(topic), await countOn(topic));
    const mine = messages.filter((m) => m.key?.toString() === stationId);
    return Promise.all(mine.map(async (m) => (await platform.codec.decode(topic, m.value)).value));
  }

  it('produces observations, forecasts and heat alerts with derived ids, keyed by station', async () => {
    const { poller } = await pollerFor('EGLL');
    const [result] = await poller.pollOnce();
    expect(result).toMatchObject({
      ok: true,
      observations: EXPECTED_OBSERVATIONS.length,
      forecasts: EXPECTED_FORECASTS.length,
      alerts: 2,
    });
    expect(EXPECTED_OBSERVATIONS).toHaveLength(131);
    expect(EXPECTED_FORECASTS).toHaveLength(155);

    const archive = fake.requestsTo('/v1/archive')[0];
    expect(archive?.query.get('start_date')).toBe('2026-07-11');
    expect(archive?.query.get('end_date')).toBe('2026-07-18');
    expect(fake.requestsTo('/v1/forecast')[0]?.query.get('forecast_days')).toBe('7');

    const observations = await eventsOf('weatherObservations', 'EGLL');
    expect(observations.map((o) => o.occurredAt.toISOString())).toEqual(
      EXPECTED_OBSERVATIONS.map((t) => utc(t).toISOString()),
    );
    expect(observations.map((o) => o.eventId)).toEqual(
      EXPECTED_OBSERVATIONS.map((t) =>
        derivedEventId('weather-observation', 'open-meteo', 'EGLL', utc(t).toISOString()),
      ),
    );
    const i = archiveBody.hourly.time.indexOf('2026-07-12T15:00');
    expect(observations.find((o) => o.occurredAt.toISOString() === '2026-07-12T15:00:00.000Z')).toMatchObject(
      {
        temperatureC: archiveBody.hourly.temperature_2m[i],
        source: 'open-meteo-weather-poller',
        stationId: 'EGLL',
      },
    );

    const forecasts = await eventsOf('weatherForecasts', 'EGLL');
    expect(forecasts).toHaveLength(155);
    expect(new Set(forecasts.map((f) => f.eventId)).size).toBe(155);
    expect(forecasts.every((f) => f.issuedAt.toISOString() === ISSUED && f.provider === 'open-meteo')).toBe(
      true,
    );
    const peak = forecasts.find((f) => f.validFrom.toISOString() === '2026-07-19T15:00:00.000Z');
    expect(peak).toMatchObject({
      eventId: derivedEventId('weather-forecast', 'open-meteo', 'EGLL', ISSUED, '2026-07-19T15:00:00.000Z'),
      validTo: new Date('2026-07-19T16:00:00.000Z'),
      temperatureC: 32.5,
    });

    const alerts = await eventsOf('weatherAlerts', 'EGLL');
    expect(
      alerts.map((a) => ({
        kind: a.kind,
        from: a.windowFrom.toISOString(),
        to: a.windowTo.toISOString(),
        extremeC: a.extremeC,
        extremeAt: a.extremeAt.toISOString(),
        buildingIds: a.buildingIds,
      })),
    ).toEqual([
      {
        kind: 'heat',
        from: '2026-07-19T12:00:00.000Z',
        to: '2026-07-19T19:00:00.000Z',
        extremeC: 32.5,
        extremeAt: '2026-07-19T15:00:00.000Z',
        buildingIds: ['Office_London_Ada', 'UnivLab_London_Bea'],
      },
      {
        kind: 'heat',
        from: '2026-07-20T13:00:00.000Z',
        to: '2026-07-20T18:00:00.000Z',
        extremeC: 31.4,
        extremeAt: '2026-07-20T14:00:00.000Z',
        buildingIds: ['Office_London_Ada', 'UnivLab_London_Bea'],
      },
    ]);
    expect(alerts[0]?.eventId).toBe(
      derivedEventId('weather-alert', 'open-meteo', 'EGLL', 'heat', ISSUED, '2026-07-19T12:00:00.000Z'),
    );
    expect(poller.status()[0]).toMatchObject({
      consecutiveFailures: 0,
      observedUntil: new Date('2026-07-16T23:00:00Z'),
      forecastIssuedAt: new Date(ISSUED),
    });
  });

  it('serves a poll within the interval from the cache, and a re-poll after it produces no duplicate ids', async () => {
    // A long interval, so the checks between the polls cannot outlast it; the clock is moved past it instead.
    const { poller, clock } = await pollerFor('EGLL-repoll', { intervalMs: 60_000 });
    await poller.pollOnce();
    const before = {
      obs: await countOn('weatherObservations'),
      fc: await countOn('weatherForecasts'),
      al: await countOn('weatherAlerts'),
    };
    expect((await poller.pollOnce())[0]).toMatchObject({ ok: true, unchanged: 2, observations: 0 });
    expect(fake.requests).toHaveLength(2);

    clock.advance(60_000);
    const [again] = await poller.pollOnce();
    expect(again).toMatchObject({ ok: true, observations: 0, forecasts: 0, alerts: 0 });
    expect(fake.requests).toHaveLength(4);
    // The second archive request starts after the station's high-water mark.
    expect(fake.requestsTo('/v1/archive')[1]?.query.get('start_date')).toBe('2026-07-17');
    expect({
      obs: await countOn('weatherObservations'),
      fc: await countOn('weatherForecasts'),
      al: await countOn('weatherAlerts'),
    }).toEqual(before);
    const ids = (await eventsOf('weatherObservations', 'EGLL-repoll')).map((o) => o.eventId);
    expect(ids).toHaveLength(131);
    expect(new Set(ids).size).toBe(131);
  });

  it('sends the validators of the last answer and produces nothing on a 304', async () => {
    const { poller, clock } = await pollerFor('EGLL-304');
    fake.setDefault('/v1/forecast', recorded(LONDON_FORECAST, { etag: '"fc-2026071813"' }));
    fake.setDefault(
      '/v1/archive',
      recorded(LONDON_ARCHIVE, { lastModified: 'Sat, 18 Jul 2026 13:00:00 GMT' }),
    );
    await poller.pollOnce();
    const forecastsBefore = await countOn('weatherForecasts');
    // A new hour: a forecast answered 200 would be a new issue with new ids.
    clock.advance(3_600_000);
    const [result] = await poller.pollOnce();
    expect(result).toMatchObject({ ok: true, forecasts: 0, alerts: 0 });
    const second = fake.requestsTo('/v1/forecast')[1];
    expect(second?.headers['if-none-match']).toBe('"fc-2026071813"');
    expect(await countOn('weatherForecasts')).toBe(forecastsBefore);
    expect(poller.latestForecast('EGLL-304')).toHaveLength(192);
  });

  it('retries a 500 and produces once it succeeds', async () => {
    const { poller } = await pollerFor('EGLL-500');
    fake.script('/v1/forecast', { status: 500, body: '{"error":true,"reason":"Internal Server Error"}' });
    const [result] = await poller.pollOnce();
    expect(result).toMatchObject({ ok: true, forecasts: 155, alerts: 2 });
    expect(fake.requestsTo('/v1/forecast')).toHaveLength(2);
    expect(await eventsOf('weatherForecasts', 'EGLL-500')).toHaveLength(155);
  });

  it('waits out a 429 Retry-After before trying again', async () => {
    const { poller } = await pollerFor('EGLL-429');
    fake.script('/v1/forecast', {
      status: 429,
      headers: { 'retry-after': '1', 'content-type': 'application/json' },
      body: '{"error":true,"reason":"Minutely API request limit exceeded. Please try again in one minute."}',
    });
    const [result] = await poller.pollOnce();
    expect(result?.ok).toBe(true);
    const [limited, retried] = fake.requestsTo('/v1/forecast');
    expect(retried).toBeDefined();
    // The back-off alone is 10-50 ms; the retry came only after the second the service asked for.
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('gives up on a service that never answers after timeoutMs per try, and still produces the rest', async () => {
    const { poller } = await pollerFor('EGLL-timeout', {
      policy: { baseDelayMs: 10, maxDelayMs: 50, attempts: 2 },
    });
    fake.setDefault('/v1/forecast', 'hang');
    const started = performance.now();
    const [result] = await poller.pollOnce();
    const took = performance.now() - started;
    expect(result).toMatchObject({ ok: false, observations: 131, forecasts: 0 });
    expect(result?.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(fake.requestsTo('/v1/forecast')).toHaveLength(2);
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(2_000);
    expect(poller.status()[0]?.lastFailure).toContain('no answer within 300 ms');
  });

  it('logs a malformed body as a typed error without retrying, and goes on with the next poll', async () => {
    const { poller, clock } = await pollerFor('EGLL-malformed');
    fake.script('/v1/forecast', { status: 200, body: fixture(LONDON_FORECAST).slice(0, 700) });
    const [bad] = await poller.pollOnce();
    expect(bad).toMatchObject({ ok: false, observations: 131 });
    expect(bad?.error).toMatchObject({ code: 'WEATHER_RESPONSE_INVALID' });
    expect(fake.requestsTo('/v1/forecast')).toHaveLength(1);
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'weather poll failed; the next poll tries again',
        code: 'WEATHER_RESPONSE_INVALID',
      }),
    );
    expect(poller.serviceStatus().circuit).toBe('closed');

    clock.advance(INTERVAL_MS);
    const [good] = await poller.pollOnce();
    expect(good).toMatchObject({ ok: true, forecasts: 155 });
    expect(poller.status()[0]).toMatchObject({
      consecutiveFailures: 0,
      lastFailureCode: 'WEATHER_RESPONSE_INVALID',
    });
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: 'weather poll recovered', stationId: 'EGLL-malformed' }),
    );
  });

  it('backs off while the service stops answering, then recovers by itself', async () => {
    const { poller, clock } = await pollerFor('EGLL-outage', { timeoutMs: 200, intervalMs: 100 });
    let downUntil = 0;
    const forecast = recorded(LONDON_FORECAST);
    const archive = recorded(LONDON_ARCHIVE);
    fake.setDefault('/v1/forecast', (h) => (Date.now() < downUntil ? 'hang' : forecast(h)));
    fake.setDefault('/v1/archive', (h) => (Date.now() < downUntil ? 'hang' : archive(h)));
    const check = weatherPollerCheck(poller, { staleAfterMs: 300, now: () => clock.now().getTime() });
    poller.start();
    await waitFor('a first successful poll', async () => poller.status()[0]?.lastSuccessAt, {
      timeoutMs: 10_000,
    });
    const upRequests = fake.requests.length;

    const downFrom = Date.now();
    downUntil = downFrom + 3_000;
    await waitFor(
      'the circuit to open',
      async () => (poller.serviceStatus().circuit === 'open' ? true : undefined),
      {
        timeoutMs: 5_000,
      },
    );
    await waitFor(
      'readiness to fail',
      () =>
        check.check(AbortSignal.timeout(1_000)).then(
          () => undefined,
          (e: unknown) => e as Error,
        ),
      { timeoutMs: 5_000 },
    ).then((e) => expect(e.message).toMatch(/EGLL-outage: \d+ failed polls.*no answer within 200 ms/));

    await waitFor(
      'recovery after the outage',
      async () => {
        const s = poller.status()[0];
        // Failures were seen above, and no request is answered before downUntil: a reset count is a recovery.
        return s !== undefined && s.consecutiveFailures === 0 ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(downUntil);
    const duringOutage = fake.requests.filter((r) => r.at >= downFrom && r.at < downUntil).length;
    // Polling every 100 ms with 3 tries of 2 requests would be ~180 requests in 3 s; the breaker lets a few probes through.
    expect(duringOutage).toBeGreaterThan(0);
    expect(duringOutage).toBeLessThanOrEqual(20);
    expect(upRequests).toBeGreaterThan(0);
    await expect(check.check(AbortSignal.timeout(1_000))).resolves.toBeUndefined();
    expect(poller.serviceStatus().circuit).toBe('closed');
    await poller.stop();
    // However many polls ran, every hour was produced once.
    const ids = (await eventsOf('weatherObservations', 'EGLL-outage')).map((o) => o.eventId);
    expect(ids).toHaveLength(131);
    expect(new Set(ids).size).toBe(131);
  });
});
