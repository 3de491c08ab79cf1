import { randomUUID } from 'node:crypto';
import type { SensorReading } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { type DemoFeedDeps, publishReadings } from '../../sources/index.ts';

/**
 * `perMeter` hourly readings for each of `meters` meters of `buildingId`, values distinct so a
 * wrong pick shows. Returned in time order per meter.
 */
export function hourlyReadings(
  buildingId: string,
  meters: number,
  perMeter: number,
  start = Date.UTC(2015, 0, 1),
): SensorReading[] {
  const readings: SensorReading[] = [];
  for (let m = 0; m < meters; m++) {
    for (let h = 0; h < perMeter; h++) {
      readings.push({
        eventId: randomUUID(),
        occurredAt: new Date(start + h * HOUR_MS),
        source: 'test',
        buildingId,
        meterId: `${buildingId}:m${m}`,
        meterKind: m % 2 === 0 ? 'electricity' : 'chilled_water',
        value: m * 1000 + h + 0.5,
        unit: m % 2 === 0 ? 'kWh' : 'ton_h',
      });
    }
  }
  return readings;
}

/** The reading with the latest event time of each meter. */
export function latestPerMeter(readings: readonly SensorReading[]): Map<string, SensorReading> {
  const latest = new Map<string, SensorReading>();
  for (const r of readings) {
    const seen = latest.get(r.meterId);
    if (seen === undefined || r.occurredAt > seen.occurredAt) latest.set(r.meterId, r);
  }
  return latest;
}

/**
 * Publishes `readings` in order, in chunks, as far as asked each time: `produceUpTo(n)` sends the
 * readings not yet sent below index n. Lets a test interleave producing with killing processes.
 */
export function chunkedPublisher(
  deps: DemoFeedDeps,
  readings: readonly SensorReading[],
  chunk = 500,
): (upTo: number) => Promise<void> {
  let produced = 0;
  return async (upTo) => {
    const end = Math.min(upTo, readings.length);
    while (produced < end) {
      const next = Math.min(end, produced + chunk);
      await publishReadings(deps, readings.slice(produced, next));
      produced = next;
    }
  };
}
