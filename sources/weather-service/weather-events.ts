import type {
  WeatherAlert,
  WeatherAlertKind,
  WeatherForecast,
  WeatherObservation,
} from '../../schemas/index.ts';
import { derivedEventId, HOUR_MS } from '../../schemas/index.ts';
import type { HourlyWeather } from './weather-service.ts';

/** Who produced the events (`source`): the poller, whatever the provider. */
export const WEATHER_POLLER_SOURCE = 'weather-poller';

/** Start of the UTC hour holding `at`. */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * One WeatherObservation per hour, its id derived from provider, station and hour, so polling the
 * same hour again gives the same event.
 */
export function observationEvents(
  provider: string,
  stationId: string,
  hours: readonly HourlyWeather[],
): WeatherObservation[] {
  return hours.map((h) => ({
    eventId: derivedEventId('weather-observation', provider, stationId, h.at.toISOString()),
    occurredAt: h.at,
    source: `${provider}-${WEATHER_POLLER_SOURCE}`,
    stationId,
    temperatureC: h.temperatureC,
    dewPointC: h.dewPointC,
    relativeHumidityPct: h.relativeHumidityPct,
    pressureHpa: h.pressureHpa,
    windSpeedKmh: h.windSpeedKmh,
    windDirectionDeg: h.windDirectionDeg,
    precipitationMm: h.precipitationMm,
    conditions: null,
  }));
}

/** One forecast issue: the hours from `issuedAt` on, fetched at `fetchedAt`. */
export interface ForecastIssue {
  readonly provider: string;
  readonly stationId: string;
  readonly issuedAt: Date;
  readonly fetchedAt: Date;
  /** Hourly intervals in time order; those before `issuedAt` are not forecasts and are left out. */
  readonly hours: readonly HourlyWeather[];
}

/** The hours of an issue that are forecasts: starting at or after the issue time. */
function forecastHours(issue: ForecastIssue): readonly HourlyWeather[] {
  return issue.hours.filter((h) => h.at >= issue.issuedAt);
}

/** One WeatherForecast per hourly interval of the issue, its id derived from provider, station, issue and interval. */
export function forecastEvents(issue: ForecastIssue): WeatherForecast[] {
  return forecastHours(issue).map((h) => ({
    eventId: derivedEventId(
      'weather-forecast',
      issue.provider,
      issue.stationId,
      issue.issuedAt.toISOString(),
      h.at.toISOString(),
    ),
    occurredAt: issue.fetchedAt,
    source: `${issue.provider}-${WEATHER_POLLER_SOURCE}`,
    stationId: issue.stationId,
    issuedAt: issue.issuedAt,
    validFrom: h.at,
    validTo: new Date(h.at.getTime() + HOUR_MS),
    temperatureC: h.temperatureC,
    relativeHumidityPct: h.relativeHumidityPct,
    windSpeedKmh: h.windSpeedKmh,
    precipitationMm: h.precipitationMm,
    provider: issue.provider,
  }));
}

/** When a forecast raises alerts. */
export interface AlertThresholds {
  /** At or above: heat. */
  readonly heatC: number;
  /** At or below: cold. */
  readonly coldC: number;
  /** Only intervals starting before `issuedAt + horizonHours` count. */
  readonly horizonHours: number;
}

const beyond = (kind: WeatherAlertKind, t: number, thresholds: AlertThresholds): boolean =>
  kind === 'heat' ? t >= thresholds.heatC : t <= thresholds.coldC;

/**
 * One WeatherAlert per contiguous run of forecast hours beyond a threshold within the horizon. A
 * missing temperature or a gap between hours ends a run. The id is derived from provider, station,
 * kind, issue and window start, so the same issue always raises the same alerts.
 */
export function alertEvents(
  issue: ForecastIssue,
  thresholds: AlertThresholds,
  buildingIds: readonly string[],
): WeatherAlert[] {
  const horizonEnd = issue.issuedAt.getTime() + thresholds.horizonHours * HOUR_MS;
  const hours = forecastHours(issue).filter((h) => h.at.getTime() < horizonEnd);
  const alerts: WeatherAlert[] = [];
  for (const kind of ['heat', 'cold'] as const) {
    let run: { readonly at: Date; readonly t: number }[] = [];
    const close = () => {
      const first = run[0];
      const last = run[run.length - 1];
      if (first === undefined || last === undefined) return;
      const extreme = run.reduce((best, h) => ((kind === 'heat' ? h.t > best.t : h.t < best.t) ? h : best));
      alerts.push({
        eventId: derivedEventId(
          'weather-alert',
          issue.provider,
          issue.stationId,
          kind,
          issue.issuedAt.toISOString(),
          first.at.toISOString(),
        ),
        occurredAt: issue.fetchedAt,
        source: `${issue.provider}-${WEATHER_POLLER_SOURCE}`,
        stationId: issue.stationId,
        buildingIds: [...buildingIds],
        kind,
        thresholdC: kind === 'heat' ? thresholds.heatC : thresholds.coldC,
        extremeC: extreme.t,
        extremeAt: extreme.at,
        windowFrom: first.at,
        windowTo: new Date(last.at.getTime() + HOUR_MS),
        issuedAt: issue.issuedAt,
        provider: issue.provider,
      });
      run = [];
    };
    for (const h of hours) {
      const previous = run[run.length - 1];
      if (previous !== undefined && h.at.getTime() - previous.at.getTime() !== HOUR_MS) close();
      if (h.temperatureC !== null && beyond(kind, h.temperatureC, thresholds))
        run.push({ at: h.at, t: h.temperatureC });
      else close();
    }
    close();
  }
  return alerts.sort((a, b) => a.windowFrom.getTime() - b.windowFrom.getTime());
}
