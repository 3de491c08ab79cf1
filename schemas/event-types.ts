/**
 * TypeScript shapes of the Avro events, as avsc decodes them (timestamp-millis as `Date`).
 * `tests/schemas/event-types.unit.test.ts` keeps them in step with the `.avsc` files.
 */

export const METER_KINDS = [
  'electricity',
  'chilled_water',
  'steam',
  'hot_water',
  'gas',
  'water',
  'irrigation',
  'solar',
] as const;
export type MeterKind = (typeof METER_KINDS)[number];

export const READING_UNITS = ['kWh', 'kBTU', 'MJ', 'therm', 'ton_h', 'm3', 'L', 'gal'] as const;
export type ReadingUnit = (typeof READING_UNITS)[number];

/** Fields every event carries (ARCHITECTURE.md, rule 2). */
export interface EventEnvelope {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly source: string;
}

export interface SensorReading extends EventEnvelope {
  readonly buildingId: string;
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly value: number;
  readonly unit: ReadingUnit;
}

export interface BuildingRegistered extends EventEnvelope {
  readonly buildingId: string;
  readonly siteId: string | null;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly timezone: string;
  readonly yearBuilt: number | null;
  readonly weatherStationId: string | null;
}

/** Maps each event type name (the Avro record name) to its TypeScript shape. */
export interface EventTypes {
  readonly SensorReading: SensorReading;
  readonly BuildingRegistered: BuildingRegistered;
}
export type EventTypeName = keyof EventTypes;
