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
import {
  DEFAULT_UNIT_OF_KIND,
  IMPORT_SOURCE,
  meterIdOf,
  meterKindOfFileName,
  meterRegistration,
} from './meter-registration.ts';
import { LocalTimeResolver, parseTimestamp, TIME_REASONS, timestampsOf, utcEpochOf } from './reading-time.ts';
import { CELL_NO_READING, cellReason, NO_READING, quoted, ROW_REASONS, readCell } from './reading-value.ts';

/** Header name of the time column of both BDG layouts. */
export const TIMESTAMP_COLUMN = 'timestamp';

/**
 * Columns that say a `timestamp`-first file is another layout, not a building: `meter_id` (long
 * readings), `site_id` (BDG2 weather.csv), a second `timestamp` (BDG1 Weather Underground exports).
 */
const NOT_BUILDING_COLUMNS: ReadonlySet<string> = new Set(['meter_id', 'site_id', TIMESTAMP_COLUMN]);

/** One building (or meter) column of a wide file, with everything a cell of it needs precomputed. */
interface WideColumn {
  readonly name: string;
  readonly meterId: string;
  readonly buildingId: string;
  /** Index into the file's zone slots; -1 in UTC mode or when `fixed` decides every cell. */
  readonly slot: number;
  /** The outcome of every local-time cell of a column without a usable zone (`unknown time zone`). */
  readonly fixed: UnitOutcome | undefined;
  /** The outcome of an empty cell of this column (allocated once, not per cell). */
  readonly empty: UnitOutcome;
}

/** The instant of one row in one zone (or the dead letter of every cell in that zone). */
interface SlotInstant {
  date: Date;
  iso: string;
  refused: UnitOutcome | undefined;
}

function headerName(field: string): string {
  // A UTF-8 byte-order mark sticks to the first header field of files saved by Excel.
  return (field.charCodeAt(0) === 0xfeff ? field.slice(1) : field).trim();
}

/**
 * One wide readings file: a `timestamp` column, then one column per building, one value per cell, one
 * file per meter kind. Accounted per cell; see `docs/import-readings.md` for the rules.
 */
class ReadingsWideImport implements ImportFormat {
  readonly importer = 'readings-wide';
  readonly unit = 'value';
  private readonly resolver = new LocalTimeResolver();
  private columns: readonly WideColumn[] = [];
  private zones: readonly string[] = [];
  private slotInstants: SlotInstant[] = [];
  private meterKind: MeterKind = 'electricity';
  private readingUnit: ReadingUnit = 'kWh';
  private readonly mode: 'utc' | 'local';

  constructor(private readonly options: ImportOptions) {
    this.mode = timestampsOf(options);
  }

  start(header: SourceRecord): readonly ImportEvent[] {
    const names = header.fields.map(headerName);
    if (names[0] !== TIMESTAMP_COLUMN) {
      throw new ImportHeaderError(
        `the first column of a wide readings file must be '${TIMESTAMP_COLUMN}', found '${names[0] ?? ''}'`,
        [TIMESTAMP_COLUMN],
      );
    }
    if (names.length < 2) {
      throw new ImportHeaderError('a wide readings file needs a column per building after timestamp', [
        '<building id>',
      ]);
    }
    const kind = this.options.meterKind ?? meterKindOfFileName(this.options.fileName);
    if (kind === undefined) {
      throw new ImportHeaderError(
        `cannot tell which meter kind the columns of ${this.options.fileName} measure: name the file after the kind (electricity.csv, chilledwater.csv, …) or pass --meter-kind`,
        ['--meter-kind'],
      );
    }
    this.meterKind = kind;
    this.readingUnit = this.options.unit ?? DEFAULT_UNIT_OF_KIND[kind];
    const seen = new Set<string>();
    const zones: string[] = [];
    const columns: WideColumn[] = [];
    for (const name of names.slice(1)) {
      if (name === '') throw new ImportHeaderError('a building column has an empty name', ['<building id>']);
      if (seen.has(name)) throw new ImportHeaderError(`column '${name}' appears twice in the header`, [name]);
      seen.add(name);
      const meterId = meterIdOf(name, kind);
      const empty: UnitOutcome = { kind: 'cleaned', rule: NO_READING, detail: `${name}: no value` };
      if (this.mode === 'utc') {
        columns.push({ name, meterId, buildingId: name, slot: -1, fixed: undefined, empty });
        continue;
      }
      const zone = this.options.timezoneOf(name);
      const problem = this.resolver.zoneProblem(zone, name);
      if (problem !== undefined || zone === undefined) {
        const fixed: UnitOutcome = {
          kind: 'deadLettered',
          reason: TIME_REASONS.unknownZone,
          detail: problem ?? '',
        };
        columns.push({ name, meterId, buildingId: name, slot: -1, fixed, empty });
        continue;
      }
      let slot = zones.indexOf(zone);
      if (slot < 0) slot = zones.push(zone) - 1;
      columns.push({ name, meterId, buildingId: name, slot, fixed: undefined, empty });
    }
    this.columns = columns;
    this.zones = zones;
    this.slotInstants = zones.map(() => ({ date: new Date(0), iso: '', refused: undefined }));
    return columns.map((c) =>
      meterRegistration(
        { meterId: c.meterId, buildingId: c.buildingId, meterKind: kind, unit: this.readingUnit },
        this.options.registeredAt,
      ),
    );
  }

  record(record: SourceRecord): readonly RecordResult[] {
    const columns = this.columns;
    const fields = record.fields;
    const units: UnitOutcome[] = new Array(columns.length);
    if (fields.length !== columns.length + 1) {
      const refused: UnitOutcome = {
        kind: 'deadLettered',
        reason: ROW_REASONS.wrongColumnCount,
        detail: `the row has ${fields.length} fields, the header ${columns.length + 1}`,
      };
      units.fill(refused);
      return [{ record, registrations: [], units }];
    }
    const stamp = parseTimestamp(fields[0] ?? '');
    if (stamp.kind === 'invalid') {
      units.fill({ kind: 'deadLettered', reason: TIME_REASONS.invalid, detail: `timestamp ${stamp.detail}` });
      return [{ record, registrations: [], units }];
    }
    // One instant per row, or per zone of the row in local mode: never a time-zone call per cell.
    let rowDate: Date | undefined;
    let rowIso = '';
    if (stamp.kind === 'instant' || this.mode === 'utc') {
      rowDate = new Date(stamp.kind === 'instant' ? stamp.epochMs : utcEpochOf(stamp.local));
      rowIso = rowDate.toISOString();
    } else {
      for (let s = 0; s < this.zones.length; s++) {
        const zone = this.zones[s] as string;
        const slot = this.slotInstants[s] as SlotInstant;
        const resolved = this.resolver.resolve(stamp.local, zone, zone, zone);
        if (resolved.ok) {
          slot.date = new Date(resolved.epochMs);
          slot.iso = slot.date.toISOString();
          slot.refused = undefined;
        } else {
          slot.refused = { kind: 'deadLettered', reason: resolved.reason, detail: resolved.detail };
        }
      }
    }
    const kind = this.meterKind;
    const unit = this.readingUnit;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as WideColumn;
      let date = rowDate;
      let iso = rowIso;
      if (date === undefined) {
        // Only a local timestamp needs the column's zone; a row with an offset reads in every column.
        if (column.fixed !== undefined) {
          units[i] = column.fixed;
          continue;
        }
        const slot = this.slotInstants[column.slot] as SlotInstant;
        if (slot.refused !== undefined) {
          units[i] = slot.refused;
          continue;
        }
        date = slot.date;
        iso = slot.iso;
      }
      const text = fields[i + 1] as string;
      const value = readCell(text);
      if (value >= 0) {
        const event: SensorReading = {
          eventId: derivedEventId('import-reading', column.meterId, iso),
          // One Date per row and zone, shared by that row's events: events are never mutated.
          occurredAt: date,
          source: IMPORT_SOURCE,
          buildingId: column.buildingId,
          meterId: column.meterId,
          meterKind: kind,
          value,
          unit,
        };
        units[i] = { kind: 'produced', event: { topic: 'sensorReadings', key: column.meterId, event } };
      } else if (value === CELL_NO_READING) {
        units[i] = column.empty;
      } else {
        units[i] = {
          kind: 'deadLettered',
          reason: cellReason(value),
          detail: `${column.name}: ${quoted(text)}`,
        };
      }
    }
    return [{ record, registrations: [], units }];
  }

  end(): readonly RecordResult[] {
    return [];
  }
}

/** BDG1 `temp_open_utc.csv` and BDG2 `meters/raw/<kind>.csv`: one column per building. */
export const readingsWideFormat: ImportFormatFactory = {
  name: 'readings-wide',
  kind: 'readings',
  deadLetterTopic: 'sensorReadings',
  quoting: true,
  example: [
    'timestamp,Office_Ellis,PrimClass_Jolie',
    '2015-01-01 00:00:00+00:00,12.5,',
    '2015-01-01 01:00:00+00:00,11.9,3.25',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    if (header.length < 2 || headerName(header[0] ?? '') !== TIMESTAMP_COLUMN) return false;
    return !header.slice(1).some((h) => NOT_BUILDING_COLUMNS.has(headerName(h)));
  },
  create(options: ImportOptions): ImportFormat {
    return new ReadingsWideImport(options);
  },
};
