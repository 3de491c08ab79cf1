import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';

/** What a unit measures: values of units of one dimension convert exactly; across dimensions they do not. */
export type UnitDimension = 'energy' | 'volume';

/**
 * Each unit of the schema's `ReadingUnit` enum as (dimension, size in the dimension's base unit: kWh for
 * energy, m3 for volume). Factors are exact definitions, not measurements:
 * - kBTU: 1 BTU (International Table) = 1055.05585262 J, so 1 kBTU = 1.05505585262 MJ = 0.293071070172 kWh;
 * - MJ: 1 kWh = 3.6 MJ;
 * - therm: 100 kBTU (the IT/EC therm; the US therm is 0.02 % smaller, below meter accuracy);
 * - ton_h (ton of refrigeration for one hour): 12 000 BTU = 12 kBTU of heat removed;
 * - L: 0.001 m3; gal: the US gallon, 3.785411784 L.
 * Wh, MWh and MMBTU are not in the enum, so readings cannot carry them: sources convert at the edge.
 */
export const UNIT_SIZES: Readonly<
  Record<ReadingUnit, { readonly dimension: UnitDimension; readonly size: number }>
> = Object.freeze({
  kWh: { dimension: 'energy', size: 1 },
  kBTU: { dimension: 'energy', size: 1.05505585262 / 3.6 },
  MJ: { dimension: 'energy', size: 1 / 3.6 },
  therm: { dimension: 'energy', size: (100 * 1.05505585262) / 3.6 },
  ton_h: { dimension: 'energy', size: (12 * 1.05505585262) / 3.6 },
  m3: { dimension: 'volume', size: 1 },
  L: { dimension: 'volume', size: 0.001 },
  gal: { dimension: 'volume', size: 0.003785411784 },
});

/**
 * The unit every meter kind is normalised to by default. All energy meters go to kWh, as BDG2 publishes
 * every meter (chilled water, steam and hot water as thermal kWh, gas as kWh of fuel): one unit lets a
 * building's energy be compared and summed across kinds. Water and irrigation go to m3. Gas metered by
 * volume (m3) cannot become kWh without a calorific value, which varies by supply and season; rather than
 * guess one, such a meter is configured with `canonicalUnit: 'm3'` (see the rules).
 */
export const DEFAULT_CANONICAL_UNITS: Readonly<Record<MeterKind, ReadingUnit>> = Object.freeze({
  electricity: 'kWh',
  solar: 'kWh',
  chilled_water: 'kWh',
  steam: 'kWh',
  hot_water: 'kWh',
  gas: 'kWh',
  water: 'm3',
  irrigation: 'm3',
});

/** A value expressed in another unit, or why it cannot be. */
export type Conversion =
  | { readonly ok: true; readonly value: number; readonly unit: ReadingUnit }
  | { readonly ok: false; readonly from: UnitDimension; readonly to: UnitDimension };

/**
 * `value` in `unit` expressed in `target`. The same unit returns the value untouched (bit for bit), so
 * readings already canonical are never perturbed by a round trip through a factor.
 */
export function convertUnit(value: number, unit: ReadingUnit, target: ReadingUnit): Conversion {
  if (unit === target) return { ok: true, value, unit };
  const from = UNIT_SIZES[unit];
  const to = UNIT_SIZES[target];
  if (from.dimension !== to.dimension) return { ok: false, from: from.dimension, to: to.dimension };
  return { ok: true, value: (value * from.size) / to.size, unit: target };
}
