/**
 * Hourly weather from irregular station observations (every 20 to 60 minutes, with gaps and repeats).
 *
 * **Hours.** UTC hours `[hourStart, hourStart + 1h)`; an observation belongs to the hour containing its
 * `occurredAt`. One hourly observation per (station, hour) that had at least one observation; an hour
 * without any stays a gap (nothing is interpolated).
 *
 * **Values.** The mean of each numeric field over the observations that report it, null when none
 * does, with two physical exceptions: `windDirectionDeg` is the circular (vector) mean of the reported
 * directions, as the arithmetic mean of 350° and 10° would be 180°, and is null when they cancel out;
 * `precipitationMm` (an amount since the previous observation) is summed, giving the hour's total.
 * `conditions` is the latest reported text of the hour. Values are computed in occurredAt order, so
 * they do not depend on arrival order.
 *
 * **Convention.** `occurredAt` of the hourly observation is its **hour start** (the label of the
 * interval, as an hourly meter reading is labelled), `source` is {@link HOURLY_WEATHER_SOURCE},
 * `eventId` is `derivedEventId('weather-hourly', stationId, hourStart ISO)`, `traceContext` null.
 *
 * **Watermark and lateness.** Each station has its own watermark: the largest occurredAt seen for it,
 * so a station that lags does not close hours of the others. An hour is emitted once, when its
 * station's watermark reaches `hourEnd + allowedLatenessMs`. An observation for an hour already past
 * that point is late: it is passed to `onLate` (when given) and changes nothing, because the hour's
 * eventId is final. Choose `allowedLatenessMs` to cover the disorder of the source.
 *
 * **Repeats.** Observations with the same (stationId, occurredAt) count once: the first wins, as in
 * the BDG1 importer.
 *
 * **Determinism.** Output depends on the input order only (no timers, no clock), so a replay yields
 * identical events. Hours closed by one observation are emitted in hour order. When the input
 * completes, every open hour is emitted, ordered by hourStart then stationId; an error is passed on
 * without flushing.
 */
import type { OperatorFunction } from 'rxjs';
import { Observable } from 'rxjs';
import { EaioError } from '../../infra/errors/index.ts';
import type { WeatherObservation } from '../../schemas/index.ts';
import { derivedEventId, HOUR_MS } from '../../schemas/index.ts';

/** The `source` of every hourly observation. */
export const HOURLY_WEATHER_SOURCE = 'eaio.processors.weather';

/** One hour in milliseconds. */

/** Options of {@link hourlyWeather}. */
export interface HourlyWeatherOptions {
  /**
   * How long (in the station's event time) after an hour ends it still accepts observations before it
   * is emitted; default 0: an hour is emitted by the first observation at or after its end.
   */
  readonly allowedLatenessMs?: number;
  /** Called, synchronously, with each observation whose hour was already emitted. Default: ignore it. */
  readonly onLate?: (observation: WeatherObservation) => void;
}

/** Start (epoch ms) of the UTC hour containing `t`. */
export function hourStartOf(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/** Event id of the hourly observation of a station and hour: a replay yields the same id. */
export function hourlyWeatherEventId(stationId: string, hourStart: Date): string {
  return derivedEventId('weather-hourly', stationId, hourStart.toISOString());
}

type MeanField = 'temperatureC' | 'dewPointC' | 'relativeHumidityPct' | 'pressureHpa' | 'windSpeedKmh';
const MEAN_FIELDS: readonly MeanField[] = [
  'temperatureC',
  'dewPointC',
  'relativeHumidityPct',
  'pressureHpa',
  'windSpeedKmh',
];

/** Below this resultant length (0..1) directions are taken to cancel out, and the mean is null. */
const CALM_RESULTANT = 1e-9;

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Circular mean in degrees [0, 360), null for no directions or directions that cancel out. */
export function meanDirectionDeg(directions: readonly number[]): number | null {
  if (directions.length === 0) return null;
  let x = 0;
  let y = 0;
  for (const d of directions) {
    const rad = (d * Math.PI) / 180;
    x += Math.cos(rad);
    y += Math.sin(rad);
  }
  if (Math.hypot(x, y) / directions.length < CALM_RESULTANT) return null;
  const deg = (Math.atan2(y, x) * 180) / Math.PI;
  // Rounding noise of atan2 must not turn north into 359.999...
  const normalised = Math.round(((deg + 360) % 360) * 1e9) / 1e9;
  return normalised === 360 ? 0 : normalised;
}

/**
 * The hourly observation of one station and hour from its observations (any order; the caller
 * removes repeats). Exported so batch code and tests state the same rule as the operator.
 */
export function summariseHour(
  stationId: string,
  hourStart: Date,
  observations: readonly WeatherObservation[],
): WeatherObservation {
  const ordered = [...observations].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  const means = {} as Record<MeanField, number | null>;
  for (const field of MEAN_FIELDS) means[field] = mean(ordered.map((o) => o[field]).filter(isNumber));
  const precipitation = ordered.map((o) => o.precipitationMm).filter(isNumber);
  const conditions = ordered.map((o) => o.conditions).filter((c): c is string => typeof c === 'string');
  return {
    eventId: hourlyWeatherEventId(stationId, hourStart),
    occurredAt: hourStart,
    source: HOURLY_WEATHER_SOURCE,
    stationId,
    ...means,
    windDirectionDeg: meanDirectionDeg(ordered.map((o) => o.windDirectionDeg).filter(isNumber)),
    precipitationMm: precipitation.length === 0 ? null : precipitation.reduce((s, v) => s + v, 0),
    conditions: conditions.at(-1) ?? null,
    traceContext: null,
  };
}

function resolveLateness(options: HourlyWeatherOptions): number {
  const lateness = options.allowedLatenessMs ?? 0;
  if (!Number.isSafeInteger(lateness) || lateness < 0) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `allowedLatenessMs must be a non-negative integer of milliseconds, got ${lateness}`,
      { context: { allowedLatenessMs: lateness } },
    );
  }
  return lateness;
}

/** Open hours of one station: hourStart -> (occurredAt -> first observation). */
interface StationState {
  watermark: number;
  readonly hours: Map<number, Map<number, WeatherObservation>>;
}

/**
 * Averages irregular observations into one observation per station and UTC hour (see the module
 * documentation for the exact contract). Options are validated here; each subscription has its own
 * state.
 */
export function hourlyWeather(
  options: HourlyWeatherOptions = {},
): OperatorFunction<WeatherObservation, WeatherObservation> {
  const allowedLatenessMs = resolveLateness(options);
  const { onLate } = options;

  return (source) =>
    new Observable<WeatherObservation>((subscriber) => {
      const stations = new Map<string, StationState>();

      const emit = (stationId: string, hourStart: number, hour: Map<number, WeatherObservation>): void => {
        subscriber.next(summariseHour(stationId, new Date(hourStart), [...hour.values()]));
      };

      const ingest = (observation: WeatherObservation): void => {
        const t = observation.occurredAt.getTime();
        if (!Number.isFinite(t)) {
          throw new EaioError('INVALID_ARGUMENT', 'permanent', 'observation has an invalid occurredAt', {
            context: { eventId: observation.eventId, stationId: observation.stationId },
          });
        }
        let station = stations.get(observation.stationId);
        if (station === undefined) {
          station = { watermark: Number.NEGATIVE_INFINITY, hours: new Map() };
          stations.set(observation.stationId, station);
        }
        const hourStart = hourStartOf(t);
        if (hourStart + HOUR_MS + allowedLatenessMs <= station.watermark) {
          onLate?.(observation);
          return;
        }
        let hour = station.hours.get(hourStart);
        if (hour === undefined) {
          hour = new Map();
          station.hours.set(hourStart, hour);
        }
        if (!hour.has(t)) hour.set(t, observation);
        if (t <= station.watermark) return;
        station.watermark = t;
        const due = [...station.hours.keys()]
          .filter((start) => start + HOUR_MS + allowedLatenessMs <= t)
          .sort((a, b) => a - b);
        for (const start of due) {
          const closing = station.hours.get(start);
          station.hours.delete(start);
          if (closing !== undefined) emit(observation.stationId, start, closing);
        }
      };

      return source.subscribe({
        next(observation) {
          try {
            ingest(observation);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          const open: { stationId: string; start: number; hour: Map<number, WeatherObservation> }[] = [];
          for (const [stationId, station] of stations) {
            for (const [start, hour] of station.hours) open.push({ stationId, start, hour });
          }
          open.sort((a, b) => a.start - b.start || (a.stationId < b.stationId ? -1 : 1));
          for (const { stationId, start, hour } of open) emit(stationId, start, hour);
          stations.clear();
          subscriber.complete();
        },
      });
    });
}
