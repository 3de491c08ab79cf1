import type { WeatherObservation } from '../../../schemas/index.ts';

/** The measured values of an observation, for telling an exact repeat from a conflicting one. */
export function weatherValuesKey(o: WeatherObservation): string {
  return JSON.stringify([
    o.temperatureC,
    o.dewPointC,
    o.relativeHumidityPct,
    o.pressureHpa,
    o.windSpeedKmh,
    o.windDirectionDeg,
    o.precipitationMm,
    o.conditions,
  ]);
}

/** A station instant seen before: where first, and whether with the same measured values. */
export interface TimestampRepeat {
  readonly firstLine: number;
  readonly sameValues: boolean;
}

interface StationInstants {
  latest: number;
  readonly seen: Map<number, { readonly line: number; readonly values: string }>;
}

/** How many instants a station gathers between two prunings of the ones outside the window. */
const PRUNE_EVERY = 1024;

/**
 * Remembers the instants of each station seen so far, so a repeat is told from a first sighting and an
 * exact repeat from a conflicting one. The first row of an instant wins, so the outcome does not depend
 * on how many repeats follow (their derived event ids would collide anyway).
 *
 * With a `windowMs`, only instants within that time before the station's latest are remembered, so a
 * streaming import keeps bounded memory on any file length; the repeats of the real exports sit rows
 * apart (a DST change), far inside a window of days. Without one, every instant is kept.
 */
export class TimestampRepeats {
  readonly #stations = new Map<string, StationInstants>();

  constructor(private readonly windowMs: number = Number.POSITIVE_INFINITY) {}

  /** The repeat, or undefined when the observation's instant is new for its station (then remembered). */
  check(observation: WeatherObservation, line: number): TimestampRepeat | undefined {
    const at = observation.occurredAt.getTime();
    let station = this.#stations.get(observation.stationId);
    if (station === undefined) {
      station = { latest: at, seen: new Map() };
      this.#stations.set(observation.stationId, station);
    }
    const values = weatherValuesKey(observation);
    const first = station.seen.get(at);
    if (first !== undefined) return { firstLine: first.line, sameValues: first.values === values };
    station.seen.set(at, { line, values });
    station.latest = Math.max(station.latest, at);
    if (Number.isFinite(this.windowMs) && station.seen.size % PRUNE_EVERY === 0) {
      const oldest = station.latest - this.windowMs;
      for (const instant of station.seen.keys()) if (instant < oldest) station.seen.delete(instant);
    }
    return undefined;
  }

  /** Instants remembered, over all stations (for tests of the bound). */
  get size(): number {
    let n = 0;
    for (const s of this.#stations.values()) n += s.seen.size;
    return n;
  }
}
