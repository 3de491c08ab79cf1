import { EaioError } from '../../infra/errors/index.ts';
import type { WeatherObservation } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { hourStartOf } from './hourly-weather.ts';

/**
 * An observation whose hour was already emitted (its station's watermark had passed the hour's end
 * plus the allowed lateness). Poison for the stream processor: the hourly event is final, so the
 * observation cannot change it, and dead-lettering it keeps it visible instead of dropping it.
 */
export class LateObservationError extends EaioError {
  override readonly name = 'LateObservationError';
}

/**
 * An `onLate` callback for {@link hourlyWeather} that fails the stream with a
 * {@link LateObservationError}, so the processor runtime dead-letters the observation (and goes on
 * from a state rebuilt without it) rather than dropping it silently.
 */
export function rejectLateObservations(
  allowedLatenessMs: number,
): (observation: WeatherObservation) => never {
  return (observation) => {
    const hourStart = new Date(hourStartOf(observation.occurredAt.getTime()));
    throw new LateObservationError(
      'EVENT_TOO_LATE',
      'poison',
      `observation of station ${observation.stationId} at ${observation.occurredAt.toISOString()} ` +
        `arrived after its hour ${hourStart.toISOString()} was emitted (allowed lateness ` +
        `${allowedLatenessMs / 60_000} min past the hour's end, in the station's event time); ` +
        `the hourly observation ${hourStart.toISOString()} stays as it was`,
      {
        context: {
          eventId: observation.eventId,
          stationId: observation.stationId,
          hourStart: hourStart.toISOString(),
          hourEnd: new Date(hourStart.getTime() + HOUR_MS).toISOString(),
          allowedLatenessMs,
        },
      },
    );
  };
}
