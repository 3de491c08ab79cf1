import type { MeterKind, MeterRegistered, ReadingUnit } from '../../../schemas/index.ts';
import { derivedEventId, METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import type { ImportEvent } from '../import-format.ts';

/** `source` of every event the reading importers produce. */
export const IMPORT_SOURCE = 'eaio-import';

/**
 * Unit of each meter kind when the file does not say (`--unit` overrides). BDG2 documents its raw meter
 * files as "all energy meters are in kWh and all volume meters in litres" (wiki: Meters data features).
 */
export const DEFAULT_UNIT_OF_KIND: Readonly<Record<MeterKind, ReadingUnit>> = {
  electricity: 'kWh',
  chilled_water: 'kWh',
  steam: 'kWh',
  hot_water: 'kWh',
  gas: 'kWh',
  water: 'L',
  irrigation: 'L',
  solar: 'kWh',
};

const VOLUME_UNITS: ReadonlySet<ReadingUnit> = new Set<ReadingUnit>(['m3', 'L', 'gal']);

/**
 * Brick class of a meter's reading point (Brick 1.4 `Usage_Sensor` and `Generation_Sensor` trees): an
 * hourly reading is a quantity consumed over the interval, so the `*_Usage_Sensor` classes fit, with the
 * volume classes for meters that report volumes.
 */
export function brickClassOf(kind: MeterKind, unit: ReadingUnit): string {
  const volume = VOLUME_UNITS.has(unit);
  switch (kind) {
    case 'electricity':
      return 'Electrical_Energy_Usage_Sensor';
    case 'solar':
      return 'Energy_Generation_Sensor';
    case 'water':
    case 'irrigation':
      return 'Water_Usage_Sensor';
    case 'gas':
      return volume ? 'Natural_Gas_Usage_Sensor' : 'Energy_Usage_Sensor';
    case 'steam':
      return volume ? 'Steam_Usage_Sensor' : 'Thermal_Energy_Usage_Sensor';
    case 'hot_water':
      return volume ? 'Hot_Water_Usage_Sensor' : 'Thermal_Energy_Usage_Sensor';
    case 'chilled_water':
      return volume ? 'Water_Usage_Sensor' : 'Thermal_Energy_Usage_Sensor';
  }
}

const METER_KIND_SET: ReadonlySet<string> = new Set<string>(METER_KINDS);

/** The MeterKind a word names, with BDG2's spellings (`chilledwater`, `hotwater`); undefined otherwise. */
export function meterKindOf(word: string): MeterKind | undefined {
  const w = word.trim().toLowerCase();
  if (w === 'chilledwater') return 'chilled_water';
  if (w === 'hotwater') return 'hot_water';
  return METER_KIND_SET.has(w) ? (w as MeterKind) : undefined;
}

/**
 * The meter kind a readings file name implies: BDG2 `electricity.csv`, `chilledwater_cleaned.csv`, …;
 * BDG1's `temp_open_utc.csv` (and `_complete`) holds only whole-building electricity.
 */
export function meterKindOfFileName(fileName: string): MeterKind | undefined {
  const base = fileName.replace(/^.*[\\/]/, '').toLowerCase();
  if (base.startsWith('temp_open_utc')) return 'electricity';
  const stem = base.replace(/\.[^.]*$/, '').replace(/_cleaned$/, '');
  return meterKindOf(stem);
}

const UNIT_BY_LOWER: ReadonlyMap<string, ReadingUnit> = new Map(
  READING_UNITS.map((u) => [u.toLowerCase(), u]),
);

/** A ReadingUnit symbol written in any case (`kwh` -> `kWh`); undefined when it names no unit. */
export function readingUnitOf(text: string): ReadingUnit | undefined {
  return UNIT_BY_LOWER.get(text.trim().toLowerCase());
}

/** Everything a meter registration says. */
export interface ImportedMeter {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
}

/**
 * The `MeterRegistered` of an imported meter. Its id is a function of the description, so importing the
 * same meters again yields the same registration ids (duplicates) and a changed unit a new event.
 */
export function meterRegistration(meter: ImportedMeter, registeredAt: Date): ImportEvent {
  const brickClass = brickClassOf(meter.meterKind, meter.unit);
  const event: MeterRegistered = {
    eventId: derivedEventId(
      'import-meter',
      meter.meterId,
      meter.buildingId,
      meter.meterKind,
      meter.unit,
      brickClass,
    ),
    occurredAt: registeredAt,
    source: IMPORT_SOURCE,
    meterId: meter.meterId,
    buildingId: meter.buildingId,
    meterKind: meter.meterKind,
    unit: meter.unit,
    brickClass,
  };
  return { topic: 'meters', key: meter.meterId, event };
}

/** The meter id convention of the platform (as the demo feed): `<buildingId>:<meterKind>`. */
export function meterIdOf(buildingId: string, kind: MeterKind): string {
  return `${buildingId}:${kind}`;
}
