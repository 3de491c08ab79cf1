import type { MeterKind, ReadingUnit, SensorReading } from '../../../schemas/index.ts';
import { derivedEventId } from '../../../schemas/index.ts';
import type {
  ImportEvent,
  ImportFormat,
  ImportFormatFactory,
  ImportOptions,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from '../import-format.ts';
import { ImportHeaderError } from '../import-format.ts';
import { IMPORT_SOURCE, meterKindOf, meterRegistration, readingUnitOf } from './meter-registration.ts';
import { LocalTimeResolver, parseTimestamp, TIME_REASONS, timestampsOf, utcEpochOf } from './reading-time.ts';
import { CELL_NO_READING, cellReason, NO_READING, quoted, ROW_REASONS, readCell } from './reading-value.ts';

/** The columns of a long readings file, in any order; `building_id` is optional. */
export const LONG_COLUMNS = ['timestamp', 'meter_id', 'value', 'unit'] as const;
const OPTIONAL_COLUMNS = ['building_id'] as const;

/** Dead-letter reasons of a long row besides the timestamp, value and row reasons. */
export const LONG_REASONS = {
  /** The meter id names no building and kind, and the row or the flags do not supply them. */
  unknownMeter: 'unknown meter',
  /** The unit is not one of the ReadingUnit symbols (kWh, kBTU, MJ, therm, ton_h, m3, L, gal). */
  unknownUnit: 'unknown unit',
  /** The meter was registered with another unit earlier in the file. */
  unitChanged: 'unit changed',
  /** The building_id column contradicts the building named in the meter id. */
  buildingMismatch: 'building mismatch',
} as const;

interface KnownMeter {
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  registered: boolean;
}

type MeterIdentity =
  | { readonly ok: true; readonly buildingId: string; readonly meterKind: MeterKind }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

function refused(reason: string, detail: string): UnitOutcome {
  return { kind: 'deadLettered', reason, detail };
}

/** The result of a long row: one unit (no closure per row: this runs once per reading). */
function single(
  record: SourceRecord,
  unit: UnitOutcome,
  registrations: readonly ImportEvent[] = [],
): readonly RecordResult[] {
  return [{ record, registrations, units: [unit] }];
}

function headerName(field: string): string {
  return (field.charCodeAt(0) === 0xfeff ? field.slice(1) : field).trim().toLowerCase();
}

/**
 * One long readings file: a row per reading, `timestamp,meter_id,value,unit[,building_id]`. A meter id
 * `<buildingId>:<meterKind>[:<suffix>]` says its building and kind; other ids need `building_id` and
 * `--meter-kind`. Accounted per row; a meter first produced in the file is registered before its row.
 */
class ReadingsLongImport implements ImportFormat {
  readonly importer = 'readings-long';
  readonly unit = 'row';
  private readonly resolver = new LocalTimeResolver();
  private readonly meters = new Map<string, KnownMeter>();
  private readonly mode: 'utc' | 'local';
  private at = { timestamp: 0, meterId: 1, value: 2, unit: 3, buildingId: -1 };
  private width = 4;

  constructor(private readonly options: ImportOptions) {
    this.mode = timestampsOf(options);
  }

  start(header: SourceRecord): readonly ImportEvent[] {
    const names = header.fields.map(headerName);
    const missing = LONG_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new ImportHeaderError(
        `a long readings file needs the columns ${LONG_COLUMNS.join(',')} (any order); missing: ${missing.join(', ')}`,
        missing,
      );
    }
    const allowed = new Set<string>([...LONG_COLUMNS, ...OPTIONAL_COLUMNS]);
    const unexpected = names.filter((n) => !allowed.has(n));
    if (unexpected.length > 0 || new Set(names).size !== names.length) {
      throw new ImportHeaderError(
        `a long readings file has exactly the columns ${LONG_COLUMNS.join(',')} and optionally building_id, each once; found ${names.join(',')}`,
        [...LONG_COLUMNS],
      );
    }
    this.at = {
      timestamp: names.indexOf('timestamp'),
      meterId: names.indexOf('meter_id'),
      value: names.indexOf('value'),
      unit: names.indexOf('unit'),
      buildingId: names.indexOf('building_id'),
    };
    this.width = names.length;
    return [];
  }

  record(record: SourceRecord): readonly RecordResult[] {
    const f = record.fields;
    if (f.length !== this.width) {
      return single(
        record,
        refused(ROW_REASONS.wrongColumnCount, `the row has ${f.length} fields, the header ${this.width}`),
      );
    }
    const meterId = (f[this.at.meterId] as string).trim();
    const buildingColumn = this.at.buildingId < 0 ? '' : (f[this.at.buildingId] as string).trim();
    const identity = this.identify(meterId, buildingColumn);
    if (!identity.ok) return single(record, refused(identity.reason, identity.detail));
    const unitText = f[this.at.unit] as string;
    const unit = readingUnitOf(unitText);
    if (unit === undefined) {
      return single(
        record,
        refused(LONG_REASONS.unknownUnit, `unit ${quoted(unitText)} of meter ${meterId} is not a known unit`),
      );
    }
    const known = this.meters.get(meterId);
    if (known !== undefined && known.unit !== unit) {
      return single(
        record,
        refused(
          LONG_REASONS.unitChanged,
          `meter ${meterId} reads in ${known.unit} in this file; this row says ${unit}`,
        ),
      );
    }
    const instant = this.instantOf(f[this.at.timestamp] as string, meterId, identity.buildingId);
    if (!instant.ok) return single(record, refused(instant.reason, instant.detail));
    const text = f[this.at.value] as string;
    const value = readCell(text);
    if (value === CELL_NO_READING) {
      return single(record, { kind: 'cleaned', rule: NO_READING, detail: `meter ${meterId}: no value` });
    }
    if (value < 0) return single(record, refused(cellReason(value), `meter ${meterId}: ${quoted(text)}`));
    const meter: KnownMeter = known ?? {
      buildingId: identity.buildingId,
      meterKind: identity.meterKind,
      unit,
      registered: false,
    };
    if (known === undefined) this.meters.set(meterId, meter);
    let registrations: readonly ImportEvent[] = [];
    if (!meter.registered) {
      meter.registered = true;
      registrations = [
        meterRegistration(
          { meterId, buildingId: meter.buildingId, meterKind: meter.meterKind, unit },
          this.options.registeredAt,
        ),
      ];
    }
    const occurredAt = new Date(instant.epochMs);
    const event: SensorReading = {
      eventId: derivedEventId('import-reading', meterId, occurredAt.toISOString()),
      occurredAt,
      source: IMPORT_SOURCE,
      buildingId: meter.buildingId,
      meterId,
      meterKind: meter.meterKind,
      value,
      unit,
    };
    return single(
      record,
      { kind: 'produced', event: { topic: 'sensorReadings', key: meterId, event } },
      registrations,
    );
  }

  end(): readonly RecordResult[] {
    return [];
  }

  private identify(meterId: string, buildingColumn: string): MeterIdentity {
    if (meterId === '') return { ok: false, reason: LONG_REASONS.unknownMeter, detail: 'meter_id is empty' };
    const parts = meterId.split(':');
    const kind = parts.length >= 2 && parts.length <= 3 ? meterKindOf(parts[1] as string) : undefined;
    const named = kind !== undefined && (parts[0] as string) !== '' ? (parts[0] as string) : undefined;
    if (named !== undefined && kind !== undefined) {
      if (buildingColumn !== '' && buildingColumn !== named) {
        return {
          ok: false,
          reason: LONG_REASONS.buildingMismatch,
          detail: `meter ${meterId} names building ${named}, the building_id column says ${buildingColumn}`,
        };
      }
      return { ok: true, buildingId: named, meterKind: kind };
    }
    if (buildingColumn !== '' && this.options.meterKind !== undefined) {
      return { ok: true, buildingId: buildingColumn, meterKind: this.options.meterKind };
    }
    return {
      ok: false,
      reason: LONG_REASONS.unknownMeter,
      detail: `meter ${meterId} is not <buildingId>:<meterKind>[:<suffix>]; give a building_id column and --meter-kind to import it`,
    };
  }

  private instantOf(
    text: string,
    meterId: string,
    buildingId: string,
  ): { ok: true; epochMs: number } | { ok: false; reason: string; detail: string } {
    const stamp = parseTimestamp(text);
    if (stamp.kind === 'invalid')
      return { ok: false, reason: TIME_REASONS.invalid, detail: `timestamp ${stamp.detail}` };
    if (stamp.kind === 'instant') return { ok: true, epochMs: stamp.epochMs };
    const l = stamp.local;
    if (this.mode === 'utc') {
      return {
        ok: true,
        epochMs: utcEpochOf(l),
      };
    }
    // Each meter is its own series: its first 01:30 of a fall-back night is daylight time, its second standard.
    return this.resolver.resolve(l, this.options.timezoneOf(buildingId), meterId, buildingId);
  }
}

/** `timestamp,meter_id,value,unit[,building_id]`: one reading per row, e.g. a BMS trend-log export. */
export const readingsLongFormat: ImportFormatFactory = {
  name: 'readings-long',
  kind: 'readings',
  deadLetterTopic: 'sensorReadings',
  quoting: true,
  example: [
    'timestamp,meter_id,value,unit',
    '2016-01-01T00:00:00Z,Office_Ellis:electricity,12.5,kWh',
    '2016-01-01T00:00:00Z,Office_Ellis:chilled_water,3.1,ton_h',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    const names = new Set(header.map(headerName));
    return LONG_COLUMNS.every((c) => names.has(c));
  },
  create(options: ImportOptions): ImportFormat {
    return new ReadingsLongImport(options);
  },
};
