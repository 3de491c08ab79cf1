import type { MeterKind, ReadingUnit, SensorReading } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';

export interface DemoMeter {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Typical hourly value, from floor area and a plausible energy use intensity. */
  readonly baseline: number;
  readonly timezone: string;
}

/** Energy use intensity in kWh per m2 per year by meter kind: order-of-magnitude figures for offices and schools. */
const EUI_KWH_PER_M2_YEAR: Partial<Record<MeterKind, number>> = { electricity: 150, chilled_water: 60 };
const HOURS_PER_YEAR = 8760;
const KWH_PER_TON_HOUR = 3.517;

/** An electricity meter per building and a chilled-water meter for the larger ones. */
export function demoMeters(buildings: readonly Bdg1Building[]): DemoMeter[] {
  return buildings.flatMap((b) => {
    const area = b.floorAreaM2 ?? 5_000;
    const electricity: DemoMeter = {
      meterId: `${b.buildingId}:electricity`,
      buildingId: b.buildingId,
      meterKind: 'electricity',
      unit: 'kWh',
      baseline: (area * (EUI_KWH_PER_M2_YEAR.electricity ?? 0)) / HOURS_PER_YEAR,
      timezone: b.timezone,
    };
    if (area < 8_000) return [electricity];
    return [
      electricity,
      {
        meterId: `${b.buildingId}:chilled_water`,
        buildingId: b.buildingId,
        meterKind: 'chilled_water',
        unit: 'ton_h',
        baseline: (area * (EUI_KWH_PER_M2_YEAR.chilled_water ?? 0)) / HOURS_PER_YEAR / KWH_PER_TON_HOUR,
        timezone: b.timezone,
      },
    ];
  });
}

function localHour(at: Date, timezone: string): number {
  return Number(
    new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: timezone }).format(at),
  );
}

/** Deterministic noise in [-1, 1) from a string seed, so a demo run can be reproduced. */
function noise(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

/**
 * A reading shaped like an occupied building: low at night, a working-day plateau, a little noise.
 * The value is the consumption over the `intervalMs` ending at `at` (hourly by default).
 */
export function demoReading(
  meter: DemoMeter,
  at: Date,
  eventId: string,
  { intervalMs = HOUR_MS, source = 'demo-feed' }: { intervalMs?: number; source?: string } = {},
): SensorReading {
  const hour = localHour(at, meter.timezone);
  const occupied = hour >= 7 && hour < 19 ? 1 : 0;
  const shape = 0.45 + 0.55 * occupied;
  const value =
    ((meter.baseline * intervalMs) / HOUR_MS) *
    shape *
    (1 + 0.08 * noise(`${meter.meterId}@${at.getTime()}`));
  return {
    eventId,
    occurredAt: at,
    source,
    buildingId: meter.buildingId,
    meterId: meter.meterId,
    meterKind: meter.meterKind,
    value: Math.round(value * 1000) / 1000,
    unit: meter.unit,
  };
}
