import { z } from 'zod';
import { EaioError } from '../../infra/errors/index.ts';
import { AVRO_SCHEMAS, avroToZod, type ReadingUnit, type SensorReading } from '../../schemas/index.ts';

/**
 * Largest plausible value of one reading per unit. Sized for hourly intervals of the largest
 * campus meters in BDG2 with two orders of magnitude of headroom: past this a value is a meter
 * fault or a unit mistake, not consumption.
 */
export const MAX_READING_BY_UNIT: Readonly<Record<ReadingUnit, number>> = {
  kWh: 1e6,
  kBTU: 3.5e6,
  MJ: 3.6e6,
  therm: 3.5e4,
  ton_h: 3e5,
  m3: 1e5,
  L: 1e8,
  gal: 2.6e7,
};

/**
 * The reading's shape as its Avro schema states it (types, enums, UUID, finite numbers), derived
 * rather than restated, plus what Avro cannot say: ids are non-empty and bounded.
 */
const sensorReadingShape = avroToZod(AVRO_SCHEMAS.SensorReading).and(
  z.object({
    source: z.string().min(1),
    buildingId: z.string().min(1).max(200),
    meterId: z.string().min(1).max(200),
    occurredAt: z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid time'),
  }),
);

/** A reading that cannot be trusted; poison, so it goes to the dead-letter topic with this reason. */
export class ReadingRejectedError extends EaioError {
  override readonly name = 'ReadingRejectedError';
}

/**
 * Checks one decoded reading. Deterministic (no wall-clock), so a replay rejects exactly the same
 * events. Returns the reading or throws {@link ReadingRejectedError}.
 */
export function validateReading(reading: SensorReading): SensorReading {
  const parsed = sensorReadingShape.safeParse(reading);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ReadingRejectedError(
      'EVENT_INVALID',
      'poison',
      `Reading ${reading.eventId} is invalid: ${reasons}`,
      {
        context: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      },
    );
  }
  const max = MAX_READING_BY_UNIT[reading.unit];
  if (reading.value < 0 || reading.value > max) {
    throw new ReadingRejectedError(
      'EVENT_OUT_OF_RANGE',
      'poison',
      `Reading ${reading.eventId} of meter ${reading.meterId}: value ${reading.value} ${reading.unit} is outside [0, ${max}] for ${reading.meterKind} meters`,
      { context: { value: reading.value, unit: reading.unit, min: 0, max } },
    );
  }
  return reading;
}
