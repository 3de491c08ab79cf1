import { z } from 'zod';
import { EaioError } from '../../infra/errors/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { conditionalGetJson, WEATHER_DEPENDENCY } from './conditional-get.ts';
import type {
  HourlyWeather,
  WeatherAnswer,
  WeatherRequestOptions,
  WeatherService,
  WeatherStation,
} from './weather-service.ts';

/** The public Open-Meteo endpoints (no key needed for non-commercial use). */
export const OPEN_METEO_FORECAST_URL = 'https://api.open-meteo.com/v1/forecast';
export const OPEN_METEO_ARCHIVE_URL = 'https://archive-api.open-meteo.com/v1/archive';

/** The hourly variables asked for, in Open-Meteo's names. */
export const OPEN_METEO_HOURLY = [
  'temperature_2m',
  'relative_humidity_2m',
  'dew_point_2m',
  'precipitation',
  'wind_speed_10m',
  'wind_direction_10m',
  'pressure_msl',
] as const;

/** The unit each variable must come in; another unit (e.g. °F set on a proxy) is refused, not converted. */
const EXPECTED_UNITS: Readonly<Record<(typeof OPEN_METEO_HOURLY)[number], string>> = {
  temperature_2m: '°C',
  relative_humidity_2m: '%',
  dew_point_2m: '°C',
  precipitation: 'mm',
  wind_speed_10m: 'km/h',
  wind_direction_10m: '°',
  pressure_msl: 'hPa',
};

const series = z.array(z.number().nullable());

/** The part of an Open-Meteo forecast or archive answer the adapter reads (`timezone=UTC`, ISO times). */
const openMeteoBody = z.object({
  latitude: z.number(),
  longitude: z.number(),
  generationtime_ms: z.number(),
  utc_offset_seconds: z.number().int(),
  timezone: z.string().optional(),
  hourly_units: z.record(z.string(), z.string()),
  hourly: z
    .object({
      time: z.array(
        z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'an ISO local time like 2026-12-05T13:00'),
      ),
      temperature_2m: series.optional(),
      relative_humidity_2m: series.optional(),
      dew_point_2m: series.optional(),
      precipitation: series.optional(),
      wind_speed_10m: series.optional(),
      wind_direction_10m: series.optional(),
      pressure_msl: series.optional(),
    })
    .superRefine((hourly, ctx) => {
      for (const name of OPEN_METEO_HOURLY) {
        const values = hourly[name];
        if (values !== undefined && values.length !== hourly.time.length)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `has ${values.length} values for ${hourly.time.length} times`,
          });
      }
    }),
});

type OpenMeteoBody = z.infer<typeof openMeteoBody>;

export interface OpenMeteoOptions {
  readonly forecastUrl?: string;
  readonly archiveUrl?: string;
  /** Bound of one request, body included. */
  readonly timeoutMs: number;
  /** Days of past hours in a forecast answer (Open-Meteo's `past_days`). */
  readonly pastDays?: number;
  readonly forecastDays?: number;
}

function invalid(url: URL, message: string, context: Record<string, unknown> = {}): EaioError {
  return new EaioError(
    'WEATHER_RESPONSE_INVALID',
    'permanent',
    `Open-Meteo answered ${url.pathname} ${message}`,
    {
      context: { dependency: WEATHER_DEPENDENCY, host: url.host, ...context },
    },
  );
}

/** The hours of a parsed body, each time read as UTC shifted by `utc_offset_seconds`. */
export function hoursOf(url: URL, body: OpenMeteoBody): HourlyWeather[] {
  for (const name of OPEN_METEO_HOURLY) {
    const unit = body.hourly_units[name];
    if (body.hourly[name] !== undefined && unit !== undefined && unit !== EXPECTED_UNITS[name])
      throw invalid(url, `${name} in ${unit}, expected ${EXPECTED_UNITS[name]}`, { variable: name, unit });
  }
  const value = (name: (typeof OPEN_METEO_HOURLY)[number], i: number): number | null =>
    body.hourly[name]?.[i] ?? null;
  return body.hourly.time.map((time, i) => {
    const at = Date.parse(`${time}:00Z`) - body.utc_offset_seconds * 1000;
    if (Number.isNaN(at)) throw invalid(url, `with an impossible time '${time}'`, { index: i });
    return {
      at: new Date(at),
      temperatureC: value('temperature_2m', i),
      relativeHumidityPct: value('relative_humidity_2m', i),
      dewPointC: value('dew_point_2m', i),
      precipitationMm: value('precipitation', i),
      windSpeedKmh: value('wind_speed_10m', i),
      windDirectionDeg: value('wind_direction_10m', i),
      pressureHpa: value('pressure_msl', i),
    };
  });
}

function parseBody(url: URL, body: unknown): HourlyWeather[] {
  const parsed = openMeteoBody.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where =
      first === undefined ? '' : ` at ${first.path.map(String).join('.') || '(root)'}: ${first.message}`;
    throw invalid(url, `with a body not in Open-Meteo's shape${where}`, {
      issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return hoursOf(url, parsed.data);
}

const isoDate = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * The Open-Meteo adapter: forecasts from `/v1/forecast` (`past_days` and `forecast_days`, hourly,
 * `timezone=UTC`), observations from `/v1/archive` (`start_date`/`end_date`, the days covering the
 * range, cut to it). Open-Meteo does not say when its model ran, so `issuedAt` is left to the caller.
 * Hours the archive has not filled yet (every variable null) are left out of observations.
 */
export function createOpenMeteoService(options: OpenMeteoOptions): WeatherService {
  const forecastUrl = options.forecastUrl ?? OPEN_METEO_FORECAST_URL;
  const archiveUrl = options.archiveUrl ?? OPEN_METEO_ARCHIVE_URL;

  const request = (base: string, station: WeatherStation, params: Record<string, string>): URL => {
    const url = new URL(base);
    url.searchParams.set('latitude', String(station.latitude));
    url.searchParams.set('longitude', String(station.longitude));
    url.searchParams.set('hourly', OPEN_METEO_HOURLY.join(','));
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    url.searchParams.set('timezone', 'UTC');
    return url;
  };

  const get = async (
    url: URL,
    requestOptions: WeatherRequestOptions,
    keep: (hour: HourlyWeather) => boolean,
  ): Promise<WeatherAnswer> => {
    const answer = await conditionalGetJson(url, {
      timeoutMs: options.timeoutMs,
      ...(requestOptions.validators === undefined ? {} : { validators: requestOptions.validators }),
      ...(requestOptions.signal === undefined ? {} : { signal: requestOptions.signal }),
    });
    if (answer.status === 'not-modified') return answer;
    return {
      status: 'fresh',
      hours: parseBody(url, answer.body).filter(keep),
      validators: answer.validators,
    };
  };

  return {
    provider: 'open-meteo',
    forecast(station, requestOptions = {}) {
      const url = request(forecastUrl, station, {
        past_days: String(options.pastDays ?? 1),
        forecast_days: String(options.forecastDays ?? 7),
      });
      return get(url, requestOptions, () => true);
    },
    observations(station, { from, to }, requestOptions = {}) {
      // end_date is inclusive; the last hour wanted starts at to - 1 h.
      const url = request(archiveUrl, station, {
        start_date: isoDate(from),
        end_date: isoDate(new Date(to.getTime() - HOUR_MS)),
      });
      return get(
        url,
        requestOptions,
        (h) =>
          h.at >= from &&
          h.at < to &&
          [
            h.temperatureC,
            h.relativeHumidityPct,
            h.dewPointC,
            h.precipitationMm,
            h.windSpeedKmh,
            h.pressureHpa,
          ].some((v) => v !== null),
      );
    },
  };
}
