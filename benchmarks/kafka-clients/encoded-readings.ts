import { randomUUID } from 'node:crypto';
import { type EventCodec, HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import type { KeyedBytes, Transform } from './client-under-test.ts';

const METERS = 240;

/** `count` SensorReadings over 240 meters, keyed by meter id and framed by the project's codec. */
export async function encodedReadings(codec: EventCodec, count: number): Promise<KeyedBytes[]> {
  const out: KeyedBytes[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const meter = i % METERS;
    const reading: SensorReading = {
      eventId: randomUUID(),
      occurredAt: new Date(Date.UTC(2015, 0, 1) + Math.floor(i / METERS) * HOUR_MS),
      source: 'bench-kafka-clients',
      buildingId: `Office_${meter >> 2}`,
      meterId: `Office_${meter >> 2}:m${meter}`,
      meterKind: 'electricity',
      value: 100 + (i % 97) / 7,
      unit: 'kWh',
      qualityFlags: [],
      traceContext: null,
    };
    out[i] = { key: Buffer.from(reading.meterId), value: await codec.encode('sensorReadings', reading) };
  }
  return out;
}

/** A processor's per-event work: decode the reading, change it (a source tag), encode it again. */
export function retaggedReading(codec: EventCodec): Transform {
  return async (bytes) => {
    const { value } = await codec.decode('sensorReadings', bytes);
    return codec.encode('sensorReadings', { ...value, source: 'bench-kafka-clients:transformed' });
  };
}
