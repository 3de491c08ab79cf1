import { EaioError } from '../../infra/errors/index.ts';
import { METER_KINDS, READING_UNITS, type SensorReading } from '../../schemas/index.ts';

/**
 * The guard every stateful operator puts in front of its state: a reading without a valid event
 * time, a finite value, or a known unit and kind would poison windows, baselines and histories.
 * `validateReading` keeps such readings out upstream; this is the operator's own last line.
 * Returns the event time in ms.
 */
export function requireMeasurable(reading: SensorReading, before: string): number {
  const t = reading.occurredAt.getTime();
  if (
    !Number.isFinite(t) ||
    !Number.isFinite(reading.value) ||
    !READING_UNITS.includes(reading.unit) ||
    !METER_KINDS.includes(reading.meterKind)
  ) {
    throw new EaioError(
      'EVENT_INVALID',
      'poison',
      `Reading ${reading.eventId} has no valid time, a non-finite value or an unknown unit or meter kind; validate readings before ${before}`,
      { context: { eventId: reading.eventId, meterId: reading.meterId } },
    );
  }
  return t;
}
