import { randomUUID } from 'node:crypto';
import type { EventCodec, SensorReading } from '../../../schemas/index.ts';
import type { RawRecord } from './raw-records.ts';

/** A kind of record the readings consumers can meet that no one can handle, and the reason its letter must give. */
export interface PoisonKind {
  readonly kind: string;
  /** Matched against `<code> <stage> <message>` of the letter. */
  readonly reason: RegExp;
  make(codec: EventCodec, template: SensorReading): Promise<Omit<RawRecord, 'id'>>;
}

const reading = (template: SensorReading, change: Partial<SensorReading>): SensorReading => ({
  ...template,
  eventId: randomUUID(),
  ...change,
});

/**
 * Every kind of poison a readings consumer meets, from the bytes up: the frame, the schema id, the
 * writer schema, the Avro payload, then values the validator refuses. The reasons are the codes and
 * messages of `schemas/event-codec.ts` and `processors/readings-validation`.
 */
export const POISON_KINDS: readonly PoisonKind[] = [
  {
    kind: 'no magic byte (JSON)',
    reason: /^SCHEMA_FRAMING \w+ Message starts with byte 0x7b, not the Confluent magic byte/,
    make: async (_c, t) => ({ key: t.meterId, value: Buffer.from(JSON.stringify({ ...t, value: 1 })) }),
  },
  {
    kind: 'shorter than the frame',
    reason: /^SCHEMA_FRAMING \w+ Message of 3 bytes is shorter than the 5-byte Confluent frame/,
    make: async (_c, t) => ({ key: t.meterId, value: Buffer.from([0, 0, 1]) }),
  },
  {
    kind: 'null value (tombstone)',
    reason: /^SCHEMA_FRAMING \w+ Message of 0 bytes is shorter than the 5-byte Confluent frame/,
    make: async (_c, t) => ({ key: t.meterId, value: null }),
  },
  {
    kind: 'unknown schema id',
    reason: /^SCHEMA_UNKNOWN_ID \w+ Schema id 2147483000 is unknown to the registry/,
    make: async (c, t) => {
      const bytes = await c.encode('sensorReadings', reading(t, {}));
      bytes.writeInt32BE(2_147_483_000, 1);
      return { key: t.meterId, value: bytes };
    },
  },
  {
    kind: 'wrong schema for the topic (a weather observation)',
    reason: /^EVENT_INVALID \w+ Expected a SensorReading event but schema \d+ is WeatherObservation/,
    make: async (c, t) => ({
      key: t.meterId,
      value: await c.encode('weatherObservations', {
        eventId: randomUUID(),
        occurredAt: t.occurredAt,
        source: 'test',
        stationId: 'weather1',
        temperatureC: 12.5,
      }),
    }),
  },
  {
    kind: 'truncated Avro',
    reason: /^SCHEMA_PAYLOAD \w+ Payload does not decode with schema \d+ \(SensorReading\)/,
    make: async (c, t) => {
      const bytes = await c.encode('sensorReadings', reading(t, {}));
      return { key: t.meterId, value: bytes.subarray(0, bytes.length - 9) };
    },
  },
  {
    kind: 'value out of range (negative)',
    reason: /^EVENT_OUT_OF_RANGE \w+ Reading .* value -5 kWh is outside \[0, 1000000\]/,
    make: async (c, t) => ({
      key: t.meterId,
      value: await c.encode('sensorReadings', reading(t, { value: -5, unit: 'kWh' })),
    }),
  },
  {
    kind: 'value not finite (NaN)',
    reason: /^EVENT_INVALID \w+ Reading .* is invalid: value/,
    make: async (c, t) => ({
      key: t.meterId,
      value: await c.encode('sensorReadings', reading(t, { value: Number.NaN })),
    }),
  },
  {
    kind: 'event id not a UUID',
    reason: /^EVENT_INVALID \w+ Reading not-a-uuid is invalid: eventId/,
    make: async (c, t) => ({
      key: t.meterId,
      value: await c.encode('sensorReadings', { ...t, eventId: 'not-a-uuid' }),
    }),
  },
  {
    kind: 'oversized meter id (5000 chars)',
    reason: /^EVENT_INVALID \w+ Reading .* is invalid: meterId/,
    make: async (c, t) => {
      const meterId = 'm'.repeat(5_000);
      return { key: meterId, value: await c.encode('sensorReadings', reading(t, { meterId })) };
    },
  },
  {
    kind: 'empty building id',
    reason: /^EVENT_INVALID \w+ Reading .* is invalid: buildingId/,
    make: async (c, t) => ({
      key: t.meterId,
      value: await c.encode('sensorReadings', reading(t, { buildingId: '' })),
    }),
  },
];
