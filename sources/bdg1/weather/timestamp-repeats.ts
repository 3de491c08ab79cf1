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

/**
 * Remembers the instants of each station seen so far, so a repeat is told from a first sighting and an
 * exact repeat from a conflicting one. The first row of an instant wins, so the outcome does not depend
 * on how many repeats follow (their derived event ids would collide anyway). One small entry per
 * (station, instant): a year of 20-minute rows is ~26,000 entries.
 */
export class TimestampRepeats {
  readonly #seen = new Map<string, { readonly line: number; readonly values: string }>();

  /** The repeat, or undefined when the observation's instant is new for its station (then remembered). */
  check(observation: WeatherObservation, line: number): TimestampRepeat | undefined {
    const key = `${observation.stationId}\u001f${observation.occurredAt.getTime()}`;
    const values = weatherValuesKey(observation);
    const first = this.#seen.get(key);
    if (first === undefined) {
      this.#seen.set(key, { line, values });
      return undefined;
    }
    return { firstLine: first.line, sameValues: first.values === values };
  }
}
