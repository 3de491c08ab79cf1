import type { WeatherObservation } from '../../../schemas/index.ts';
import { weatherValuesKey } from '../../bdg1/index.ts';
import type { UnitOutcome } from '../import-format.ts';

/**
 * Judges a repeated timestamp of a station: an exact repeat is a `repeated row` (nothing produced,
 * the first stands), a repeat with other values a dead letter, since which one is true needs a human.
 * Keeps one small entry per (station, instant) seen: a year of 20-minute rows is ~26,000 entries.
 */
export class RepeatGuard {
  readonly #seen = new Map<string, { readonly line: number; readonly values: string }>();

  /** The outcome of a repeat, or undefined when the observation's instant is new for its station. */
  check(observation: WeatherObservation, line: number): UnitOutcome | undefined {
    const key = `${observation.stationId}\u001f${observation.occurredAt.getTime()}`;
    const values = weatherValuesKey(observation);
    const first = this.#seen.get(key);
    const iso = observation.occurredAt.toISOString();
    if (first === undefined) {
      this.#seen.set(key, { line, values });
      return undefined;
    }
    if (first.values === values) {
      return {
        kind: 'cleaned',
        rule: 'repeated row',
        detail: `${iso} first at line ${first.line}, same values`,
      };
    }
    return {
      kind: 'deadLettered',
      reason: 'conflicting duplicate timestamp',
      detail: `${iso} first at line ${first.line} with other values`,
    };
  }
}
