import { EaioError } from '../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';
import { brickClassOf, DEFAULT_UNIT_OF_KIND } from '../import/index.ts';
import { pick, uniform } from './seeded-random.ts';

/** A simulated building: a real BDG1 one or one synthesised from the BDG1 mix; always has a station. */
export interface SimBuilding extends Bdg1Building {
  readonly weatherStationId: string;
  /** True for buildings synthesised beyond the real ones (`Sim_...` ids). */
  readonly synthetic: boolean;
}

/** A simulated meter with the parameters of its load model. */
export interface SimMeter {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Brick class of the meter's reading point: the importer's {@link brickClassOf}, so a meter gets one class whichever source registers it. */
  readonly brickClass: string;
  readonly primaryUse: string;
  readonly timezone: string;
  readonly weatherStationId: string;
  /** Weather-independent load in kWh per hour, averaged over the year (occupancy shapes it). */
  readonly baseKwhPerHour: number;
  /** Extra kWh per heating degree-hour (below {@link HEATING_BASE_C}). */
  readonly heatingKwhPerDegreeHour: number;
  /** Extra kWh per cooling degree-hour (above {@link COOLING_BASE_C}). */
  readonly coolingKwhPerDegreeHour: number;
  /** Readings are kWh × this, in `unit`. */
  readonly unitPerKwh: number;
}

export const HEATING_BASE_C = 15.5;
export const COOLING_BASE_C = 18;

/** The BDG1 primary uses, with the abbreviation BDG1 itself uses for ids (`primaryspaceuse_abbrev`). */
const USE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  Office: 'Office',
  'College Classroom': 'UnivClass',
  'College Laboratory': 'UnivLab',
  Dormitory: 'UnivDorm',
  'Primary/Secondary Classroom': 'PrimClass',
};

/**
 * Annual energy use intensity in kWh per m2 by primary use and meter kind: order-of-magnitude figures
 * from CBECS-style surveys, enough for plausible magnitudes, not for benchmarking a real building.
 */
const EUI: Readonly<Record<string, Partial<Record<MeterKind, number>>>> = {
  Office: { electricity: 180, chilled_water: 70, hot_water: 60 },
  'College Classroom': { electricity: 130, chilled_water: 50, hot_water: 70 },
  'College Laboratory': { electricity: 300, chilled_water: 120, hot_water: 120 },
  Dormitory: { electricity: 90, chilled_water: 30, hot_water: 110 },
  'Primary/Secondary Classroom': { electricity: 60, gas: 110 },
};
const DEFAULT_EUI: Partial<Record<MeterKind, number>> = { electricity: 150, chilled_water: 60 };

/** Share of each kind's annual energy that follows the weather, and through which degree-hours. */
const WEATHER_SHARE: Partial<Record<MeterKind, { heating: number; cooling: number }>> = {
  electricity: { heating: 0, cooling: 0.1 },
  chilled_water: { heating: 0, cooling: 0.8 },
  hot_water: { heating: 0.6, cooling: 0 },
  gas: { heating: 0.7, cooling: 0 },
};
/** Typical mean degree-hours per hour over a year, to turn a weather share into a slope. */
const MEAN_HEATING_DEGREES = 6;
const MEAN_COOLING_DEGREES = 4;

/**
 * Unit of each simulated kind and how many of it make one kWh. Thermal and gas meters report in the US
 * utility units (ton·h, kBTU, therm) on purpose, unlike the importer's kWh defaults: the simulated feed
 * exercises the data-quality unit normalisation. The other kinds take the importer's default unit.
 */
const UNITS: Readonly<Record<MeterKind, { unit: ReadingUnit; perKwh: number }>> = {
  electricity: { unit: DEFAULT_UNIT_OF_KIND.electricity, perKwh: 1 },
  chilled_water: { unit: 'ton_h', perKwh: 1 / 3.517 },
  hot_water: { unit: 'kBTU', perKwh: 3.412 },
  gas: { unit: 'therm', perKwh: 1 / 29.3071 },
  steam: { unit: 'kBTU', perKwh: 3.412 },
  water: { unit: DEFAULT_UNIT_OF_KIND.water, perKwh: 1 },
  irrigation: { unit: DEFAULT_UNIT_OF_KIND.irrigation, perKwh: 1 },
  solar: { unit: DEFAULT_UNIT_OF_KIND.solar, perKwh: 1 },
};

const HOURS_PER_YEAR = 8760;
const DEFAULT_FLOOR_AREA_M2 = 5_000;

/** Which meters a building has: electricity always; chilled water, hot water or gas by use and size. */
export function meterKindsOf(building: Pick<Bdg1Building, 'primaryUse' | 'floorAreaM2'>): MeterKind[] {
  const area = building.floorAreaM2 ?? DEFAULT_FLOOR_AREA_M2;
  const kinds: MeterKind[] = ['electricity'];
  const eui = EUI[building.primaryUse] ?? DEFAULT_EUI;
  if (eui.chilled_water !== undefined && area >= 5_000) kinds.push('chilled_water');
  if (eui.hot_water !== undefined && (area >= 10_000 || building.primaryUse !== 'Office'))
    kinds.push('hot_water');
  if (eui.gas !== undefined) kinds.push('gas');
  return kinds;
}

/** The meters of one building with their load-model parameters. */
export function metersOf(building: SimBuilding): SimMeter[] {
  const area = building.floorAreaM2 ?? DEFAULT_FLOOR_AREA_M2;
  const eui = EUI[building.primaryUse] ?? DEFAULT_EUI;
  return meterKindsOf(building).map((kind) => {
    const annualKwhPerHour = (area * (eui[kind] ?? 0)) / HOURS_PER_YEAR;
    const share = WEATHER_SHARE[kind] ?? { heating: 0, cooling: 0 };
    const { unit, perKwh } = UNITS[kind];
    return {
      meterId: `${building.buildingId}:${kind}`,
      buildingId: building.buildingId,
      meterKind: kind,
      unit,
      brickClass: brickClassOf(kind, unit),
      primaryUse: building.primaryUse,
      timezone: building.timezone,
      weatherStationId: building.weatherStationId,
      baseKwhPerHour: annualKwhPerHour * (1 - share.heating - share.cooling),
      heatingKwhPerDegreeHour: (annualKwhPerHour * share.heating) / MEAN_HEATING_DEGREES,
      coolingKwhPerDegreeHour: (annualKwhPerHour * share.cooling) / MEAN_COOLING_DEGREES,
      unitPerKwh: perKwh,
    };
  });
}

/** What a fleet is drawn from. */
export interface FleetSource {
  /** Every real building (BDG1 `meta_open.csv`): the empirical mix of uses and floor areas. */
  readonly real: readonly Bdg1Building[];
  /** Ids of real buildings to take first, in this order (the shipped sample), when their station is known. */
  readonly preferred: readonly string[];
  /** Stations whose observations the simulator has; only buildings of these are simulated. */
  readonly stations: ReadonlySet<string>;
}

/** A fleet of buildings and their meters. */
export interface Fleet {
  readonly buildings: readonly SimBuilding[];
  readonly meters: readonly SimMeter[];
}

const withStation = (b: Bdg1Building, synthetic: boolean): SimBuilding | undefined =>
  b.weatherStationId === null ? undefined : { ...b, weatherStationId: b.weatherStationId, synthetic };

function pascalCase(text: string): string {
  return text.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase());
}

/**
 * `size` buildings: the preferred real ones first, then the other real buildings of known stations in
 * file order, then synthetic `Sim_<Use>_<NNNN>` buildings whose use follows the real mix, whose floor
 * area is a real building's of that use ±20%, and whose station and time zone are a simulable real
 * building's. Deterministic in `seed`.
 */
export function drawFleet(source: FleetSource, size: number, seed: number): Fleet {
  const simulable = source.real
    .filter((b) => b.weatherStationId !== null && source.stations.has(b.weatherStationId))
    .map((b) => withStation(b, false))
    .filter((b): b is SimBuilding => b !== undefined);
  if (simulable.length === 0)
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'no real building has a weather station the simulator knows',
    );
  const byId = new Map(simulable.map((b) => [b.buildingId, b]));
  const preferred = source.preferred.flatMap((id) => byId.get(id) ?? []);
  const chosen = new Set(preferred.map((b) => b.buildingId));
  const realOrder = [...preferred, ...simulable.filter((b) => !chosen.has(b.buildingId))];
  const buildings: SimBuilding[] = realOrder.slice(0, size);

  const areasByUse = new Map<string, number[]>();
  for (const b of source.real) {
    if (b.floorAreaM2 === null) continue;
    areasByUse.set(b.primaryUse, [...(areasByUse.get(b.primaryUse) ?? []), b.floorAreaM2]);
  }
  const uses = source.real.map((b) => b.primaryUse);
  for (let n = 1; buildings.length < size; n++) {
    const use = pick(uses, seed, 'use', n);
    const area = pick(areasByUse.get(use) ?? [DEFAULT_FLOOR_AREA_M2], seed, 'area', n);
    const site = pick(simulable, seed, 'site', n);
    buildings.push({
      buildingId: `Sim_${USE_ABBREVIATIONS[use] ?? pascalCase(use)}_${String(n).padStart(4, '0')}`,
      primaryUse: use,
      floorAreaM2: Math.round(area * (0.8 + 0.4 * uniform(seed, 'area-scale', n))),
      timezone: site.timezone,
      yearBuilt: null,
      weatherStationId: site.weatherStationId,
      synthetic: true,
    });
  }
  return { buildings, meters: buildings.flatMap(metersOf) };
}
