import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import type { HealthCheck } from '../../infra/health/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import { listBuildingIdsOfStation } from '../../projections/index.ts';
import {
  createOpenMeteoService,
  createWeatherPoller,
  type WeatherPoller,
  weatherPollerCheck,
} from '../../sources/index.ts';
import type { Platform } from './connect-platform.ts';

/** A poller wired to the platform, with the readiness check that watches it. */
export interface PlatformWeatherPoller {
  readonly poller: WeatherPoller;
  readonly readiness: HealthCheck;
}

/**
 * The weather poller of the `weather` config section on the platform's idempotent producer: the
 * Open-Meteo adapter at the configured URLs, the configured stations and alert thresholds, and the
 * buildings read model naming each alert's buildings. Throws CONFIG_INVALID when no station is
 * configured: a poller with nothing to poll is a mistake worth saying so.
 */
export async function createPlatformWeatherPoller(
  platform: Platform,
  logger: Logger,
  { metrics }: { readonly metrics?: EaioMetrics } = {},
): Promise<PlatformWeatherPoller> {
  assertWeatherStations(platform.config);
  const { weather } = platform.config;
  const intervalMs = weather.poller.intervalSeconds * 1000;
  const poller = createWeatherPoller(
    {
      producer: await platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger,
      ...(metrics === undefined ? {} : { metrics }),
    },
    {
      service: createOpenMeteoService({
        forecastUrl: weather.openMeteo.forecastUrl,
        archiveUrl: weather.openMeteo.archiveUrl,
        timeoutMs: weather.poller.timeoutMs,
      }),
      stations: weather.stations,
      intervalMs,
      observationLookbackHours: weather.poller.observationLookbackHours,
      alerts: weather.alerts,
      buildingsOf: (stationId) => listBuildingIdsOfStation(platform.pool, stationId),
      policy: { attempts: weather.poller.attempts },
    },
  );
  // Two missed polls in a row are worth a look; one is what the retries and the next poll are for.
  return { poller, readiness: weatherPollerCheck(poller, { staleAfterMs: 2 * intervalMs }) };
}

/** Throws CONFIG_INVALID naming `weather.stations` when no station is configured. */
export function assertWeatherStations(config: EaioConfig): void {
  if (config.weather.stations.length > 0) return;
  throw new EaioError(
    'CONFIG_INVALID',
    'permanent',
    'weather.stations is empty: name the stations to poll, e.g. EAIO_WEATHER_STATIONS=\'[{"id":"EGLL","latitude":51.47,"longitude":-0.45}]\'',
    { context: { key: 'weather.stations' } },
  );
}
