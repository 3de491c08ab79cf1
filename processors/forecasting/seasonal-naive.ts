import { HOUR_MS } from '../../schemas/index.ts';
import { HOURS_PER_WEEK } from '../anomalies/index.ts';

const WEEK_MS = HOURS_PER_WEEK * HOUR_MS;

/**
 * The seasonal-naive forecast every forecasting model must beat: the consumption of the same hour one
 * week earlier (`history` maps an hour's start, epoch ms, to its consumption), or undefined when that
 * hour is missing. Forecasting further than a week ahead repeats the last known week: the value comes
 * from the latest whole week before `issuedAt` at the same hour of week, when `issuedAt` is given.
 */
export function seasonalNaiveForecast(
  history: ReadonlyMap<number, number>,
  hourStart: Date,
  issuedAt?: Date,
): number | undefined {
  const target = hourStart.getTime();
  let source = target - WEEK_MS;
  if (issuedAt !== undefined) {
    const weeksBack = Math.max(1, Math.ceil((target - issuedAt.getTime() + 1) / WEEK_MS));
    source = target - weeksBack * WEEK_MS;
  }
  return history.get(source);
}
