import type { WeatherObservation } from '../../../schemas/index.ts';
import { TimestampRepeats } from '../../bdg1/index.ts';
import type { UnitOutcome } from '../import-format.ts';

/** How far back a repeated instant is recognised: 31 days, far beyond the repeats real exports hold. */
export const REPEAT_WINDOW_MS = 31 * 24 * 3_600_000;

/**
 * The import outcome of a repeated station instant: an exact repeat is a `repeated row` (nothing
 * produced, the first stands), a repeat with other values a dead letter, since which one is true
 * needs a human.
 */
export class RepeatGuard {
  readonly #repeats: TimestampRepeats;

  /** `windowMs`: how far back a repeat is looked for, which bounds the memory a long file takes. */
  constructor(windowMs: number) {
    this.#repeats = new TimestampRepeats(windowMs);
  }

  /** The outcome of a repeat, or undefined when the observation's instant is new for its station. */
  check(observation: WeatherObservation, line: number): UnitOutcome | undefined {
    const repeat = this.#repeats.check(observation, line);
    if (repeat === undefined) return undefined;
    const iso = observation.occurredAt.toISOString();
    return repeat.sameValues
      ? {
          kind: 'cleaned',
          rule: 'repeated row',
          detail: `${iso} first at line ${repeat.firstLine}, same values`,
        }
      : {
          kind: 'deadLettered',
          reason: 'conflicting duplicate timestamp',
          detail: `${iso} first at line ${repeat.firstLine} with other values`,
        };
  }
}
