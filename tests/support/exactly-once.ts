import { expect } from 'vitest';
import type { SensorReading } from '../../schemas/index.ts';
import type { TestPlatform } from './test-platform.ts';

/**
 * Asserts the readings read model holds each produced reading exactly once: as many rows as
 * readings, one per event id and one per (meter, time), and none of them missing.
 */
export async function expectEveryReadingOnce(
  platform: TestPlatform,
  readings: readonly SensorReading[],
): Promise<void> {
  const { rows } = await platform.pool.query<{
    rows: string;
    distinct_events: string;
    distinct_keys: string;
  }>(
    `SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct_events,
            count(DISTINCT (meter_id, occurred_at)) AS distinct_keys FROM readings`,
  );
  expect(rows[0]).toEqual({
    rows: String(readings.length),
    distinct_events: String(readings.length),
    distinct_keys: String(readings.length),
  });
  const stored = new Set(
    (await platform.pool.query<{ event_id: string }>('SELECT event_id FROM readings')).rows.map(
      (r) => r.event_id,
    ),
  );
  expect(readings.filter((r) => !stored.has(r.eventId))).toEqual([]);
}
