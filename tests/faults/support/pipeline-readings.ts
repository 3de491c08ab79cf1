import { randomUUID } from 'node:crypto';
import { HOUR_MS, type SensorReading } from '../../../schemas/index.ts';
import { hourlyReadings } from '../../support/readings.ts';

const WEEK_MS = 7 * 24 * HOUR_MS;
const HOURLY_START = Date.UTC(2015, 0, 1);
/** A Monday 25 years (1,300 weeks) before the hourly meters start. */
const WEEKLY_START = Date.UTC(1990, 0, 1);

/** The meters of {@link pipelineReadings}: hourly ones in `buildings`, weekly ones in a building of their own. */
export interface PipelineMeters {
  readonly buildings: readonly string[];
  readonly metersPerBuilding: number;
  readonly weeklyBuilding: string;
  readonly weeklyMeters: number;
}

/**
 * At least `count` readings for every readings stage to have work, step by step across every meter
 * (each meter in time order), so any chunk of them reaches every partition a meter hashes to: a
 * failpoint at the n-th transaction, or a rebalance, meets several batches of work. Hourly meters
 * fill the windows of the aggregates. Weekly meters, one hour-of-week slot each and in years before
 * the hourly ones (so up to 1,300 steps never move the hourly meters' watermark), warm up the anomaly baseline in
 * four readings and then spike every seventh: anomalies and data-quality issues (a gap at every
 * weekly reading, the spikes) have events of their own to lose or duplicate.
 */
export function pipelineReadings(meters: PipelineMeters, count: number): SensorReading[] {
  const { buildings, metersPerBuilding, weeklyBuilding, weeklyMeters } = meters;
  const steps = Math.ceil(count / (buildings.length * metersPerBuilding + weeklyMeters));
  const hourly = buildings.flatMap((b) => hourlyReadings(b, metersPerBuilding, steps, HOURLY_START));
  const weekly: SensorReading[] = [];
  for (let m = 0; m < weeklyMeters; m++)
    for (let k = 0; k < steps; k++)
      weekly.push({
        eventId: randomUUID(),
        occurredAt: new Date(WEEKLY_START + k * WEEK_MS),
        source: 'test',
        buildingId: weeklyBuilding,
        meterId: `${weeklyBuilding}:w${m}`,
        meterKind: 'electricity',
        value: k >= 5 && k % 7 === 0 ? 5_000 + m : 100 + m + (k % 3),
        unit: 'kWh',
      });
  const step = (r: SensorReading): number =>
    r.buildingId === weeklyBuilding
      ? (r.occurredAt.getTime() - WEEKLY_START) / WEEK_MS
      : (r.occurredAt.getTime() - HOURLY_START) / HOUR_MS;
  // A stable sort: within a step, meters keep their order.
  return [...hourly, ...weekly].sort((a, b) => step(a) - step(b));
}
