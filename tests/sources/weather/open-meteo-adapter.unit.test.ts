import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EaioError } from '../../../infra/errors/index.ts';
import { createOpenMeteoService, retryAfterMs, type WeatherService } from '../../../sources/index.ts';
import {
  type FakeOpenMeteo,
  fixture,
  LONDON_ARCHIVE,
  LONDON_FORECAST,
  startFakeOpenMeteo,
} from './fake-open-meteo.ts';

const LONDON = { id: 'EGLL', latitude: 51.5, longitude: -0.12 };

async function failure(work: Promise<unknown>): Promise<EaioError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EaioError);
  return error as EaioError;
}

describe('the Open-Meteo adapter against a loopback server with recorded answers', () => {
  let fake: FakeOpenMeteo;
  let service: WeatherService;

  beforeAll(async () => {
    fake = await startFakeOpenMeteo();
    service = createOpenMeteoService({
      forecastUrl: fake.forecastUrl,
      archiveUrl: fake.archiveUrl,
      timeoutMs: 500,
    });
  });
  afterAll(() => fake.close());

  it('asks for the forecast with the documented parameters and reads every hour as UTC', async () => {
    const answer = await service.forecast(LONDON);
    const seen = fake.requestsTo('/v1/forecast').at(-1);
    expect(Object.fromEntries(seen?.query ?? [])).toEqual({
      latitude: '51.5',
      longitude: '-0.12',
      hourly:
        'temperature_2m,relative_humidity_2m,dew_point_2m,precipitation,wind_speed_10m,wind_direction_10m,pressure_msl',
      past_days: '1',
      forecast_days: '7',
      timezone: 'UTC',
    });
    expect(answer.status).toBe('fresh');
    if (answer.status !== 'fresh') return;
    const body = JSON.parse(fixture(LONDON_FORECAST)) as {
      hourly: { time: string[]; temperature_2m: number[] };
    };
    expect(answer.hours).toHaveLength(192);
    expect(answer.hours[0]?.at.toISOString()).toBe('2026-07-17T00:00:00.000Z');
    expect(answer.hours[63]?.at.toISOString()).toBe('2026-07-19T15:00:00.000Z');
    expect(answer.hours[63]?.temperatureC).toBe(body.hourly.temperature_2m[63]);
    expect(answer.issuedAt).toBeUndefined();
  });

  it('asks the archive for the days covering the range and keeps the filled hours inside it', async () => {
    const from = new Date('2026-07-11T13:00:00Z');
    const to = new Date('2026-07-18T14:00:00Z');
    const answer = await service.observations(LONDON, { from, to });
    const seen = fake.requestsTo('/v1/archive').at(-1);
    expect(seen?.query.get('start_date')).toBe('2026-07-11');
    expect(seen?.query.get('end_date')).toBe('2026-07-18');
    expect(seen?.query.get('timezone')).toBe('UTC');
    if (answer.status !== 'fresh') throw new Error('expected a fresh answer');
    // The recorded archive has values up to 2026-07-16T23:00; later hours are null (archive lag).
    expect(answer.hours).toHaveLength(11 + 5 * 24);
    expect(answer.hours[0]?.at.toISOString()).toBe('2026-07-11T13:00:00.000Z');
    expect(answer.hours.at(-1)?.at.toISOString()).toBe('2026-07-16T23:00:00.000Z');
  });

  it('turns an error body into WEATHER_REQUEST_REFUSED carrying the reason, without retrying', async () => {
    fake.script('/v1/forecast', { status: 400, body: fixture('error-latitude-out-of-range.json') });
    const error = await failure(service.forecast({ id: 'X', latitude: 151.5, longitude: 0 }));
    expect(error.code).toBe('WEATHER_REQUEST_REFUSED');
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain('Latitude must be in range of -90 to 90°');
  });

  it.each([
    ['a body that is not JSON', '<html>502 Bad Gateway</html>', /not JSON/],
    [
      'a body of another shape',
      '{"latitude":51.5,"hourly":{"time":["2026-07-18T13:00"]}}',
      /not in Open-Meteo's shape at longitude/,
    ],
    [
      'series shorter than the times',
      fixture(LONDON_FORECAST).replace(/"temperature_2m": \[\s*[-\d.]+,/, '"temperature_2m": ['),
      /temperature_2m.*191 values for 192 times/,
    ],
    [
      'temperatures in Fahrenheit',
      fixture(LONDON_FORECAST).replace('"temperature_2m": "°C"', '"temperature_2m": "°F"'),
      /°F, expected °C/,
    ],
  ])('refuses %s with WEATHER_RESPONSE_INVALID', async (_, body, message) => {
    fake.script('/v1/forecast', { status: 200, body });
    const error = await failure(service.forecast(LONDON));
    expect(error.code).toBe('WEATHER_RESPONSE_INVALID');
    expect(error.message).toMatch(message);
  });

  it('makes a 5xx and a 429 transient, with the Retry-After asked for', async () => {
    fake.script('/v1/forecast', { status: 503, body: '{"error":true,"reason":"Service Unavailable"}' });
    const unavailable = await failure(service.forecast(LONDON));
    expect(unavailable).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', kind: 'transient' });
    expect(unavailable.message).toContain('503: Service Unavailable');
    fake.script('/v1/forecast', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: '{"error":true,"reason":"Too many requests"}',
    });
    const limited = await failure(service.forecast(LONDON));
    expect(limited.context).toMatchObject({
      status: 429,
      retryAfterMs: 7_000,
      dependency: 'weather-service',
    });
  });

  it('gives up on a service that does not answer after timeoutMs', async () => {
    fake.script('/v1/forecast', 'hang');
    const started = performance.now();
    const error = await failure(service.forecast(LONDON));
    const took = performance.now() - started;
    expect(error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(error.message).toContain('no answer within 500 ms');
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_000);
  });

  it('sends the validators it is given and reports a 304 as not modified', async () => {
    fake.script('/v1/archive', (headers) =>
      headers['if-none-match'] === '"abc"' && headers['if-modified-since'] === 'Sat, 18 Jul 2026 12:00:00 GMT'
        ? { status: 304 }
        : { status: 200, body: fixture(LONDON_ARCHIVE) },
    );
    const answer = await service.observations(
      LONDON,
      { from: new Date('2026-07-11T00:00:00Z'), to: new Date('2026-07-12T00:00:00Z') },
      { validators: { etag: '"abc"', lastModified: 'Sat, 18 Jul 2026 12:00:00 GMT' } },
    );
    expect(answer).toEqual({ status: 'not-modified' });
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-07-18T13:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sat, 18 Jul 2026 13:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 18 Jul 2026 12:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
