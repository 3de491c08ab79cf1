import type { Platform } from '../../app/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { createReadingSource } from '../reading-source.ts';

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
  const readings = await createReadingSource(buildings, 'bench-profile');
  const deps = {
    producer: await platform.producer(),
    codec: platform.codec,
    names: platform.names,
    logger: platform.logger,
  };
  for (let sent = 0; sent < total; ) {
    const batch = readings.next(Math.min(2_000, total - sent));
    await publishReadings(deps, batch);
    sent += batch.length;
  }
  return readings.meters;
}
