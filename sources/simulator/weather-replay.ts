import { readFile } from 'node:fs/promises';
import { derivedEventId, HOUR_MS, type WeatherObservation } from '../../schemas/index.ts';
import { parseBdg1Weather } from '../bdg1/index.ts';

/**
 * Where the load model gets outdoor temperatures. The BDG1 replay below is one; a live weather poller
 * keeping each station's latest observation is another.
 */
export interface TemperatureSource {
  /** Air temperature at the station at `at` (°C), or null when the source has none near that time. */
  temperatureAt(stationId: string, at: Date): number | null;
}

/** Observations of a station at simulated instants, for producing onto the weather topic. */
export interface ObservationSource {
  /** Observations with `from < occurredAt <= to` (simulated time), in time order. */
  observationsBetween(stationId: string, from: Date, to: Date): WeatherObservation[];
}

/** The `source` of the observations the replay produces. */
export const SIMULATOR_WEATHER_SOURCE = 'simulator-weather-replay';

/** The BDG1 weather files shipped with the project, by station id. */
export const BDG1_WEATHER_FILES: Readonly<Record<string, URL>> = {
  'bdg1-weather1': new URL('../bdg1/data/weather/weather1.csv', import.meta.url),
  'bdg1-weather2': new URL('../bdg1/data/weather/weather2.csv', import.meta.url),
  'bdg1-weather10': new URL('../bdg1/data/weather/weather10.csv', import.meta.url),
};

/** How far back a temperature may be taken from when the station has a gap. */
const MAX_TEMPERATURE_AGE_MS = 3 * HOUR_MS;
const YEAR_MS = 365 * 24 * HOUR_MS;
/** A simulated interval crosses the loop's seam at most once a year; this bounds a runaway walk. */
const MAX_PIECES = 64;

interface StationYear {
  readonly start: number;
  /** Observation times (ms, file time), ascending. */
  readonly times: readonly number[];
  readonly observations: readonly WeatherObservation[];
}

/** Index of the last element <= t, or -1. */
function lastAtOrBefore(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] ?? Number.POSITIVE_INFINITY) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Real station years replayed in a loop: a simulated instant maps onto the file's year at the same
 * month, day and time of day (UTC; 29 February reads 28 February), so seasons and weather fronts
 * arrive when they did, in any simulated year.
 */
export class WeatherReplay implements TemperatureSource, ObservationSource {
  readonly #stations: ReadonlyMap<string, StationYear>;

  constructor(observations: ReadonlyMap<string, readonly WeatherObservation[]>) {
    const stations = new Map<string, StationYear>();
    for (const [stationId, list] of observations) {
      const sorted = [...list].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
      const first = sorted[0];
      if (first === undefined) continue;
      const start = first.occurredAt.getTime();
      // One year at most, so the loop never maps an instant onto two observations of the same day.
      const year = sorted.filter((o) => o.occurredAt.getTime() < start + YEAR_MS);
      stations.set(stationId, { start, times: year.map((o) => o.occurredAt.getTime()), observations: year });
    }
    this.#stations = stations;
  }

  /** The stations the replay has observations for. */
  get stationIds(): ReadonlySet<string> {
    return new Set(this.#stations.keys());
  }

  /** The file instant a simulated instant maps onto. */
  #fileTime(station: StationYear, at: number): number {
    const d = new Date(at);
    const day = d.getUTCMonth() === 1 && d.getUTCDate() === 29 ? 28 : d.getUTCDate();
    const startYear = new Date(station.start).getUTCFullYear();
    const timeOfDay = at - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    for (const year of [startYear, startYear + 1]) {
      const t = Date.UTC(year, d.getUTCMonth(), day) + timeOfDay;
      if (t >= station.start && t < station.start + YEAR_MS) return t;
    }
    // The day a leap year adds to the file's span: read the day before.
    return Date.UTC(startYear + 1, d.getUTCMonth(), day) + timeOfDay - 24 * HOUR_MS;
  }

  temperatureAt(stationId: string, at: Date): number | null {
    const station = this.#stations.get(stationId);
    if (station === undefined) return null;
    const t = this.#fileTime(station, at.getTime());
    for (let i = lastAtOrBefore(station.times, t); i >= 0; i--) {
      if (t - (station.times[i] ?? 0) > MAX_TEMPERATURE_AGE_MS) break;
      const temperature = station.observations[i]?.temperatureC;
      if (temperature !== null && temperature !== undefined) return temperature;
    }
    return null;
  }

  observationsBetween(stationId: string, from: Date, to: Date): WeatherObservation[] {
    const station = this.#stations.get(stationId);
    if (station === undefined || to.getTime() <= from.getTime()) return [];
    const out: WeatherObservation[] = [];
    // Walk back through the simulated interval in pieces that map contiguously onto the file: a
    // piece ends where the loop closes (the file's first observation follows its last one).
    let pieceEnd = to.getTime();
    for (let pieces = 0; pieceEnd > from.getTime() && pieces < MAX_PIECES; pieces++) {
      const fileEnd = this.#fileTime(station, pieceEnd);
      const offset = pieceEnd - fileEnd;
      const fileFrom = Math.max(from.getTime() - offset, station.start - 1);
      const piece: WeatherObservation[] = [];
      for (
        let i = lastAtOrBefore(station.times, fileEnd);
        i >= 0 && (station.times[i] ?? 0) > fileFrom;
        i--
      ) {
        const o = station.observations[i];
        if (o === undefined) continue;
        const occurredAt = new Date((station.times[i] ?? 0) + offset);
        piece.push({
          ...o,
          eventId: derivedEventId('simulator-weather', stationId, occurredAt.toISOString()),
          occurredAt,
          source: SIMULATOR_WEATHER_SOURCE,
          traceContext: null,
        });
      }
      out.unshift(...piece.reverse());
      pieceEnd = station.start - 1 + offset;
    }
    return out;
  }
}

/** Parses the shipped BDG1 weather files of the given stations (all of them by default). */
export async function loadBdg1WeatherReplay(
  stationIds: readonly string[] = Object.keys(BDG1_WEATHER_FILES),
): Promise<WeatherReplay> {
  const observations = new Map<string, WeatherObservation[]>();
  for (const stationId of stationIds) {
    const url = BDG1_WEATHER_FILES[stationId];
    if (url === undefined) continue;
    const parsed = parseBdg1Weather(await readFile(url, 'utf8'), { stationId });
    observations.set(stationId, parsed.observations);
  }
  return new WeatherReplay(observations);
}
