import type { WeatherObservation } from '../../../schemas/index.ts';
import type { ImportEvent, RecordResult, SourceRecord, UnitOutcome } from '../import-format.ts';
import {
  FahrenheitCleaner,
  type FahrenheitCleanerOptions,
  type FieldCleaning,
} from './fahrenheit-cleaner.ts';
import { REPEAT_WINDOW_MS, RepeatGuard } from './repeat-guard.ts';

const weatherEvent = (event: WeatherObservation): ImportEvent => ({
  topic: 'weatherObservations',
  key: event.stationId,
  event,
});

/**
 * The path every weather file's rows take once mapped: a repeated station instant is judged before
 * cleaning (so a repeat never feeds the Fahrenheit detection twice), then the cleaner holds rows until it
 * can decide their block; observations are keyed by station id.
 */
export class WeatherRows {
  readonly #cleaner: FahrenheitCleaner;
  readonly #repeats = new RepeatGuard(REPEAT_WINDOW_MS);

  constructor(cleanerOptions: FahrenheitCleanerOptions = {}) {
    this.#cleaner = new FahrenheitCleaner(weatherEvent, cleanerOptions);
  }

  /** A row already decided (a dead letter), kept in file order behind the rows the cleaner holds. */
  decided(record: SourceRecord, outcome: UnitOutcome): RecordResult[] {
    return this.#cleaner.push({ record, decided: outcome });
  }

  /** A mapped observation, with the cleanings its mapping already made. */
  observed(
    record: SourceRecord,
    observation: WeatherObservation,
    cleanings: readonly FieldCleaning[],
  ): RecordResult[] {
    const repeat = this.#repeats.check(observation, record.line);
    if (repeat !== undefined) return this.#cleaner.push({ record, decided: repeat });
    return this.#cleaner.push({ record, observation, cleanings });
  }

  /** The rows still held, at the end of the file. */
  end(): RecordResult[] {
    return this.#cleaner.end();
  }
}
