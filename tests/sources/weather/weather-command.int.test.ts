import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../../app/index.ts';
import { HOUR_MS } from '../../../schemas/index.ts';
import { publishBuildings } from '../../../sources/index.ts';
import { spawnEaio } from '../../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../../support/test-platform.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  type FakeOpenMeteo,
  LONDON_ARCHIVE,
  LONDON_FORECAST,
  RECORDED_AT_HOUR,
  redated,
  startFakeOpenMeteo,
} from './fake-open-meteo.ts';

describe('eaio weather poll', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let fake: FakeOpenMeteo;

  beforeAll(async () => {
    platform = await createTestPlatform('weather_command');
    projector = await runProjector(platform);
    fake = await startFakeOpenMeteo();
  });
  afterAll(async () => {
    await projector.stop();
    await fake.close();
    await platform.dispose();
  });

  it('polls the configured station, names its buildings in the alerts, and says what it produced', async () => {
    const deps = await platform.feedDeps();
    const building = (buildingId: string, weatherStationId: string) => ({
      buildingId,
      primaryUse: 'Office',
      floorAreaM2: 4_200,
      timezone: 'Europe/London',
      yearBuilt: 1998,
      weatherStationId,
    });
    await publishBuildings(
      deps,
      [building('Office_London_Ada', 'EGLL'), building('Office_Paris_Zoe', 'LFPG')],
      new Date(),
    );
    await waitFor('the buildings projected', async () => {
      const { rows } = await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM buildings');
      return Number(rows[0]?.n) === 2 ? true : undefined;
    });

    // The recording, moved so that it reads as fetched in the current hour of the child's real clock.
    const shift = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - RECORDED_AT_HOUR;
    fake.setDefault('/v1/forecast', { status: 200, body: redated(LONDON_FORECAST, shift) });
    fake.setDefault('/v1/archive', { status: 200, body: redated(LONDON_ARCHIVE, shift) });
    const child = spawnEaio(['weather', 'poll', '--once'], {
      ...platform.childEnv,
      EAIO_WEATHER_STATIONS: JSON.stringify([{ id: 'EGLL', latitude: 51.5, longitude: -0.12 }]),
      EAIO_WEATHER_OPEN_METEO_FORECAST_URL: fake.forecastUrl,
      EAIO_WEATHER_OPEN_METEO_ARCHIVE_URL: fake.archiveUrl,
      EAIO_WEATHER_ALERTS_HORIZON_HOURS: '72',
    });
    expect(await child.exited(), child.stderr()).toBe(0);
    expect(JSON.parse(child.stdout().trim())).toEqual({
      stationId: 'EGLL',
      ok: true,
      observations: 131,
      forecasts: 155,
      alerts: 2,
      unchanged: 0,
    });
    const alerts = await platform.readAll(platform.names.topic('weatherAlerts'), 2);
    const decoded = await Promise.all(
      alerts.map(async (m) => (await platform.codec.decode('weatherAlerts', m.value)).value),
    );
    expect(decoded.map((a) => a.buildingIds)).toEqual([['Office_London_Ada'], ['Office_London_Ada']]);
  });

  it('keeps polling until a signal, reporting the poller on /health/ready and in /metrics', async () => {
    const shift = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - RECORDED_AT_HOUR;
    let down = false;
    const forecast = redated(LONDON_FORECAST, shift);
    fake.setDefault('/v1/forecast', () =>
      down ? { status: 503, body: '{"error":true,"reason":"maintenance"}' } : { status: 200, body: forecast },
    );
    fake.setDefault('/v1/archive', { status: 200, body: redated(LONDON_ARCHIVE, shift) });
    const child = spawnEaio(['weather', 'poll'], {
      ...platform.childEnv,
      EAIO_LOG_LEVEL: 'info',
      EAIO_WEATHER_STATIONS: JSON.stringify([{ id: 'EGKK', latitude: 51.15, longitude: -0.18 }]),
      EAIO_WEATHER_OPEN_METEO_FORECAST_URL: fake.forecastUrl,
      EAIO_WEATHER_OPEN_METEO_ARCHIVE_URL: fake.archiveUrl,
      EAIO_WEATHER_POLLER_INTERVAL_SECONDS: '0.5',
      EAIO_WEATHER_POLLER_TIMEOUT_MS: '300',
      EAIO_HEALTH_ENABLED: 'true',
      EAIO_METRICS_ENABLED: 'true',
      EAIO_METRICS_PORT: '0',
    });
    try {
      const url = await waitFor(
        'the metrics server URL in the log',
        async () => /"url":"(http:\/\/[^"]+)".*metrics and health endpoints served/.exec(child.stderr())?.[1],
        { timeoutMs: 60_000 },
      );
      const ready = async () => {
        const response = await fetch(`${url}/health/ready`);
        const body = (await response.json()) as { checks: { name: string; ok: boolean; reason?: string }[] };
        return { status: response.status, check: body.checks.find((c) => c.name === 'weather-poller') };
      };
      await waitFor('the poller ready', async () => ((await ready()).status === 200 ? true : undefined));
      expect((await ready()).check).toMatchObject({ ok: true });
      // Readiness holds from start-up (no failed poll yet), so the first poll's forecasts may still
      // be in flight when it first answers: wait for the counter rather than read it once.
      const forecastsProduced =
        /eaio_events_produced_total\{component="weather-poller",topic="[^"]*weather-forecasts"\} (\d+)/;
      const produced = await waitFor("the first poll's forecasts counted in /metrics", async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const count = Number(forecastsProduced.exec(metrics)?.[1] ?? 0);
        return count >= 155 ? count : undefined;
      });
      expect(produced).toBe(155);

      down = true;
      const failing = await waitFor('readiness to name the failing station', async () => {
        const r = await ready();
        return r.status === 503 ? r.check : undefined;
      });
      expect(failing?.reason).toMatch(/EGKK: \d+ failed polls.*503: maintenance/);
      down = false;
      await waitFor('the poller ready again', async () =>
        (await ready()).status === 200 ? true : undefined,
      );

      child.child.kill('SIGTERM');
      expect(await child.exited(), child.stderr()).toBe(0);
    } finally {
      await child.kill();
    }
  });

  it('refuses to poll without stations, naming the key', async () => {
    const child = spawnEaio(['weather', 'poll', '--once'], platform.childEnv);
    expect(await child.exited()).not.toBe(0);
    expect(child.stderr()).toContain('weather.stations is empty');
  });
});
