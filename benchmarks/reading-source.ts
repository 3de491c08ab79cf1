import { randomUUID } from 'node:crypto';
import { HOUR_MS, type SensorReading } from '../schemas/index.ts';
import { BDG1_WEATHER_FILES, createLocalCalendar, loadBdg1Fleet, simulatedValue } from '../sources/index.ts';

/**
 * Hands out simulated hourly readings of a BDG1-drawn fleet, hour after hour from 2015-01-01, every
 * meter each hour, so every meter builds a long history; `meters` is the size of the fleet.
 */
export interface ReadingSource {
  readonly meters: number;
  next(count: number): SensorReading[];
}

export async function createReadingSource(
  buildings: number,
  source: string,
  seed = 1,
): Promise<ReadingSource> {
  const { meters } = await loadBdg1Fleet(buildings, seed, new Set(Object.keys(BDG1_WEATHER_FILES)));
  const calendar = createLocalCalendar();
  let hour = 0;
  let next = 0;
  const take = (count: number): SensorReading[] => {
    const batch: SensorReading[] = [];
    while (batch.length < count) {
      const m = meters[next];
      if (m === undefined) throw new Error('the fleet has no meters');
      const at = new Date(Date.UTC(2015, 0, 1) + hour * HOUR_MS);
      const input = { local: calendar.at(at, m.timezone), temperatureC: null, intervalMs: HOUR_MS };
      batch.push({
        eventId: randomUUID(),
        occurredAt: at,
        source,
        buildingId: m.buildingId,
        meterId: m.meterId,
        meterKind: m.meterKind,
        value: simulatedValue(m, at, input, 1),
        unit: m.unit,
      });
      next += 1;
      if (next === meters.length) {
        next = 0;
        hour += 1;
      }
    }
    return batch;
  };
  return { meters: meters.length, next: take };
}
