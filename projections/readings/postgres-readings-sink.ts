import type pg from 'pg';
import type { SensorReading } from '../../schemas/index.ts';
import { isAfter, type Positioned } from '../positioned-event.ts';

/** Keeps, per key, only the reading furthest along the log: one INSERT may touch a row once. */
function latestBy(
  readings: readonly Positioned<SensorReading>[],
  key: (r: SensorReading) => string,
  newer: (a: Positioned<SensorReading>, b: Positioned<SensorReading>) => boolean,
): Positioned<SensorReading>[] {
  const byKey = new Map<string, Positioned<SensorReading>>();
  for (const r of readings) {
    const k = key(r.event);
    const seen = byKey.get(k);
    if (seen === undefined || newer(r, seen)) byKey.set(k, r);
  }
  return [...byKey.values()];
}

const laterInTime = (a: Positioned<SensorReading>, b: Positioned<SensorReading>): boolean =>
  a.event.occurredAt.getTime() > b.event.occurredAt.getTime() ||
  (a.event.occurredAt.getTime() === b.event.occurredAt.getTime() && isAfter(a, b));

function columns(rows: readonly Positioned<SensorReading>[]) {
  return [
    rows.map((r) => r.event.meterId),
    rows.map((r) => r.event.occurredAt.toISOString()),
    rows.map((r) => r.event.buildingId),
    rows.map((r) => r.event.meterKind),
    rows.map((r) => r.event.value),
    rows.map((r) => r.event.unit),
    rows.map((r) => r.event.eventId),
    rows.map((r) => r.event.source),
    rows.map((r) => r.partition),
    rows.map((r) => r.offset),
  ];
}

const UNNEST = `unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::text[],
  $7::uuid[], $8::text[], $9::int[], $10::bigint[])
  AS t(meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset)`;

/**
 * Writes a batch of readings of one partition with two set-based statements in the caller's
 * transaction. Idempotent: replaying the same log positions changes nothing, and an earlier
 * position never overwrites a later one.
 */
export async function writeReadings(
  client: pg.ClientBase,
  readings: readonly Positioned<SensorReading>[],
): Promise<void> {
  if (readings.length === 0) return;
  const perKey = latestBy(readings, (e) => `${e.meterId}\u0000${e.occurredAt.getTime()}`, isAfter);
  await client.query(
    `INSERT INTO readings (meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset)
     SELECT * FROM ${UNNEST}
     ON CONFLICT (meter_id, occurred_at) DO UPDATE SET
       building_id = excluded.building_id, meter_kind = excluded.meter_kind, value = excluded.value,
       unit = excluded.unit, event_id = excluded.event_id, source = excluded.source,
       source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE readings.source_offset < excluded.source_offset`,
    columns(perKey),
  );
  const latest = latestBy(readings, (e) => e.meterId, laterInTime);
  await client.query(
    `INSERT INTO latest_readings (meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source_partition, source_offset)
     SELECT meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source_partition, source_offset FROM ${UNNEST}
     ON CONFLICT (meter_id) DO UPDATE SET
       occurred_at = excluded.occurred_at, building_id = excluded.building_id, meter_kind = excluded.meter_kind,
       value = excluded.value, unit = excluded.unit, event_id = excluded.event_id,
       source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE (latest_readings.occurred_at, latest_readings.source_offset) < (excluded.occurred_at, excluded.source_offset)`,
    columns(latest),
  );
}
