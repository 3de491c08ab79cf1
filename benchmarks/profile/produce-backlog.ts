import { randomUUID } from 'node:crypto';
import type { Platform } from '../../app/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import {
  BDG1_WEATHER_FILES,
  createLocalCalendar,
  loadBdg1Fleet,
  publishReadings,
  simulatedValue,
} from '../../sources/index.ts';

/**
 * Publishes `total` hourly simulated readings of a BDG1 fleet of `buildings` with the product's own
 * producer path (`publishReadings`), hour after hour from 2015-01-01, so every meter has a long history.
 * Returns the number of meters.
 */
export async function produceReadingsBacklog(
  platform: Platform,
  total: number,
  buildings: number,
): Promise<number> {
  const { meters } = await loadBdg1Fleet(buildings, 1, new Set(Object.keys(BDG1_WEATHER_FILES)));
  const calendar = createLocalCalendar();
  const deps = {
    producer: await platform.producer(),
    codec: platform.codec,
    names: platform.names,
    logger: platform.logger,
  };
  let hour = 0;
  let meter = 0;
  for (let sent = 0; sent < total; ) {
    const batch: SensorReading[] = [];
    while (batch.length < Math.min(2_000, total - sent)) {
      const m = meters[meter];
      if (m === undefined) throw new Error('the fleet has no meters');
      const at = new Date(Date.UTC(2015, 0, 1) + hour * HOUR_MS);
      batch.push({
        eventId: randomUUID(),
        occurredAt: at,
        source: 'bench-profile',
        buildingId: m.buildingId,
        meterId: m.meterId,
        meterKind: m.meterKind,
        value: simulatedValue(
          m,
          at,
          { local: calendar.at(at, m.timezone), temperatureC: null, intervalMs: HOUR_MS },
          1,
        ),
        unit: m.unit,
      });
      meter += 1;
      if (meter === meters.length) {
        meter = 0;
        hour += 1;
      }
    }
    await publishReadings(deps, batch);
    sent += batch.length;
  }
  return meters.length;
}
