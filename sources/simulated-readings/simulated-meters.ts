import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';
import { instantsOfLocalTime } from '../import/index.ts';

/**
 * Consumption per m2 and year by meter kind (kWh, or litres for water meters): order-of-magnitude figures
 * for offices and schools, so simulated values sit where real ones would.
 */
const INTENSITY_PER_M2_YEAR: Readonly<Record<MeterKind, number>> = {
  electricity: 150,
  chilled_water: 60,
  steam: 80,
  hot_water: 50,
  gas: 70,
  water: 500,
  irrigation: 200,
  solar: 20,
};
const HOURS_PER_YEAR = 8760;
const DEFAULT_FLOOR_AREA_M2 = 5_000;

/** One meter of a simulated file. */
export interface SimulatedMeter {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Typical hourly value while occupied, from floor area and an intensity for the kind. */
  readonly baseline: number;
  readonly timezone: string;
}

/** A deterministic number in [0, 1) from a string (FNV-1a), so a seed reproduces a file exactly. */
export function seededUnit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/**
 * One simulated meter per building; the seed scales each building's baseline by 0.7–1.3 so two seeds
 * give two fleets.
 */
export function simulatedMeters(
  buildings: readonly Bdg1Building[],
  meterKind: MeterKind,
  unit: ReadingUnit,
  seed: string | number,
): SimulatedMeter[] {
  return buildings.map((b) => ({
    meterId: `${b.buildingId}:${meterKind}`,
    buildingId: b.buildingId,
    meterKind,
    unit,
    baseline:
      (((b.floorAreaM2 ?? DEFAULT_FLOOR_AREA_M2) * INTENSITY_PER_M2_YEAR[meterKind]) / HOURS_PER_YEAR) *
      (0.7 + 0.6 * seededUnit(`${seed}|${b.buildingId}`)),
    timezone: b.timezone,
  }));
}

/**
 * The value of an hour ending at `atMs` for a meter whose clock shows `localHour`: an occupied building's
 * shape, as the old demo feed drew it: 45% at night, the full baseline in working hours 07–19, ±8%
 * seeded noise, rounded to watt-hours.
 */
export function occupiedValue(meter: SimulatedMeter, atMs: number, localHour: number): number {
  const shape = localHour >= 7 && localHour < 19 ? 1 : 0.45;
  const noise = 2 * seededUnit(`${meter.meterId}@${atMs}`) - 1;
  return Math.round(meter.baseline * shape * (1 + 0.08 * noise) * 1000) / 1000;
}

/** The hour of day a zone's clocks show at an instant; one formatter per zone, made once. */
export class ZoneClock {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();

  localHour(atMs: number, zone: string): number {
    let f = this.formatters.get(zone);
    if (f === undefined) {
      f = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: zone });
      this.formatters.set(zone, f);
    }
    return Number(f.format(atMs));
  }

  /**
   * The instant a wall-clock label means in a zone: a repeated label its first occurrence, a skipped
   * label the instant the clocks jump to (an hour later on the wall), as a logger stamping local labels
   * would have measured.
   */
  instantOf(labelMs: number, zone: string): number {
    return (
      instantsOfLocalTime(labelMs, zone)[0] ?? instantsOfLocalTime(labelMs + HOUR_MS, zone)[0] ?? labelMs
    );
  }
}

/** `YYYY-MM-DD HH:MM:SS` of the UTC fields of `ms`, the layout of both BDG files. */
export function formatLabel(ms: number): string {
  // toISOString is YYYY-MM-DDTHH:MM:SS.sssZ; its first 19 characters with a space are the BDG layout.
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
