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

describe('eaio weather poll --once', () => {
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

  it('refuses to poll without stations, naming the key', async () => {
    const child = spawnEaio(['weather', 'poll', '--once'], platform.childEnv);
    expect(await child.exited()).not.toBe(0);
    expect(child.stderr()).toContain('weather.stations is empty');
  });
});
