import type { ReadingUnit } from '../../schemas/index.ts';

/** kWh per unit for the energy units a meter may report in; volumes and ton-hours are not electric energy. */
const KWH_PER_UNIT: Partial<Record<ReadingUnit, number>> = {
  kWh: 1,
  MJ: 1 / 3.6,
  kBTU: 0.293_071_07,
  therm: 29.307_107,
};

/** The reading as kWh, or undefined when its unit is not an energy unit demand can be stated in. */
export function toKwh(value: number, unit: ReadingUnit): number | undefined {
  const factor = KWH_PER_UNIT[unit];
  return factor === undefined ? undefined : value * factor;
}

/**
 * Consumption totals are kept as integers of a millionth of the reading's unit: Redis adds integers
 * exactly (HINCRBY), so the total does not depend on the order readings were added or replaced in,
 * which float sums (HINCRBYFLOAT) would.
 */
export const MICRO_UNITS = 1_000_000;

/** A reading value in micro-units, rounded to the nearest. */
export function toMicroUnits(value: number): number {
  return Math.round(value * MICRO_UNITS);
}
