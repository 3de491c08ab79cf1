import { EaioError } from '../../infra/errors/index.ts';
import type {
  BuildingRegistered,
  MeterKind,
  MeterRegistered,
  ReadingUnit,
  SensorReading,
  WeatherObservation,
} from '../../schemas/index.ts';

/**
 * The contract between the import engine (`eaio import`: reading the file, checkpoints, transactions,
 * dead letters, accounting, progress) and the formats it reads (BDG1/BDG2 metadata, wide and long
 * readings, weather exports). A format turns CSV records into outcomes and never touches Kafka; the
 * engine never looks inside a record. That keeps each format a pure, unit-testable function of its text.
 */

/** An event an import produces, with the catalog topic it goes to and its message key. */
export type ImportEvent =
  | { readonly topic: 'buildings'; readonly key: string; readonly event: BuildingRegistered }
  | { readonly topic: 'meters'; readonly key: string; readonly event: MeterRegistered }
  | { readonly topic: 'sensorReadings'; readonly key: string; readonly event: SensorReading }
  | { readonly topic: 'weatherObservations'; readonly key: string; readonly event: WeatherObservation };

/** One CSV record as read from the file. */
export interface SourceRecord {
  /** 1-based physical line where the record starts (the header is line 1 of a fresh file). */
  readonly line: number;
  /** Fields as parsed, untrimmed. */
  readonly fields: readonly string[];
  /** The record's original text, without its line end: what a dead letter carries. */
  readonly text: string;
}

/**
 * What happened to one accounted unit (a row; for a wide readings file, one value cell). Exactly one
 * outcome per unit, so `read = produced + cleaned + deadLettered + duplicates` holds by construction.
 */
export type UnitOutcome =
  /** Produced as read. */
  | { readonly kind: 'produced'; readonly event: ImportEvent }
  /**
   * A cleaning rule changed or removed the unit. With `event`, the unit is still produced with the
   * offending values removed (a weather row whose °F temperature is nulled); without, nothing is
   * produced (an empty cell of a wide file, a unit mix-up with no other value to keep).
   */
  | {
      readonly kind: 'cleaned';
      /** Stable rule name, counted in the summary, e.g. `empty value`, `fahrenheit block`, `step`. */
      readonly rule: string;
      /** For a human: which column, which value, why. */
      readonly detail: string;
      readonly event?: ImportEvent;
    }
  /** Refused: the engine dead-letters the record's text with the line and this reason. */
  | {
      readonly kind: 'deadLettered';
      /** Stable reason, counted in the summary, e.g. `invalid timestamp`, `not a number`. */
      readonly reason: string;
      /** For a human: which column, which value, why. */
      readonly detail: string;
    };

/** The outcomes of one record, emitted in line order (possibly later than the record was fed). */
export interface RecordResult {
  readonly record: SourceRecord;
  /**
   * Registrations that must be in the log before this record's events (a meter first seen in a long
   * file). The engine produces them in an earlier transaction than the record's events.
   */
  readonly registrations: readonly ImportEvent[];
  readonly units: readonly UnitOutcome[];
}

/** Thrown by {@link ImportFormat.start} when the header cannot be understood; the import fails at once. */
export class ImportHeaderError extends EaioError {
  override readonly name = 'ImportHeaderError';
  constructor(
    message: string,
    /** The column (or columns) the format expected and did not find. */
    readonly expected: readonly string[],
  ) {
    super('IMPORT_HEADER', 'permanent', message, { context: { expected } });
  }
}

/** Which accounted unit a format counts in. */
export type ImportUnit = 'row' | 'value';

/**
 * A file format the engine can import. One instance reads one file, records in file order.
 * `record` and `end` may hold records back (a cleaner that needs the next days to judge a block of
 * values) and emit them later, but always in line order and each exactly once.
 */
export interface ImportFormat {
  /** Short name used in checkpoints and the summary, e.g. `readings-wide`, `weather-bdg1`. */
  readonly importer: string;
  readonly unit: ImportUnit;
  /**
   * Reads the header. Returns the registrations to produce before any row (the meters of a wide
   * file's columns). Throws {@link ImportHeaderError} naming the expected column when it cannot.
   */
  start(header: SourceRecord): readonly ImportEvent[];
  /** Accepts one data record; returns the results now decided. Never throws on content. */
  record(record: SourceRecord): readonly RecordResult[];
  /** The end of the file: returns every result still held back. */
  end(): readonly RecordResult[];
}

/** What `eaio import` is asked to bring in; each format belongs to one. */
export type ImportKind = 'buildings' | 'readings' | 'weather';

/** What a format may need besides the file: CLI flags and lookups into metadata known so far. */
export interface ImportOptions {
  /** Base name of the file, e.g. `electricity.csv`, `weather2.csv`. */
  readonly fileName: string;
  /** Meter kind of a wide file's columns (`--meter-kind`); formats may default it from the file name. */
  readonly meterKind?: MeterKind;
  /** Unit of a wide file's values (`--unit`); formats default it from the meter kind. */
  readonly unit?: ReadingUnit;
  /** Whether timestamps are UTC or local to each building/station (`--timestamps`); formats default it. */
  readonly timestamps?: 'utc' | 'local';
  /** Weather station of a single-station weather file (`--station`); formats may derive it from the file name. */
  readonly stationId?: string;
  /** IANA time zone of a building, from `--metadata <file>` or the buildings read model; undefined when unknown. */
  readonly timezoneOf: (buildingId: string) => string | undefined;
  /** IANA time zone of a weather station (the zone of the buildings it serves); undefined when unknown. */
  readonly timezoneOfStation: (stationId: string) => string | undefined;
  /** The `occurredAt` of registrations the import makes (when the description became known). */
  readonly registeredAt: Date;
}

/** A format `eaio import <kind>` can read, recognised by its header. */
export interface ImportFormatFactory {
  /** E.g. `bdg1-meta`, `bdg2-meta`, `readings-wide`, `readings-long`, `bdg1-weather`, `bdg2-weather`. */
  readonly name: string;
  readonly kind: ImportKind;
  /** Catalog topic whose dead-letter topic receives the refused records of this format. */
  readonly deadLetterTopic: ImportEvent['topic'];
  /** Whether CSV quoting is on (Weather Underground exports never quote; a stray quote must stay on its line). */
  readonly quoting: boolean;
  /** A three-line example of the format, for docs/data-sources.md and `eaio import --help`. */
  readonly example: string;
  /** True when `header` (fields as read, untrimmed) is this format's header. */
  matches(header: readonly string[]): boolean;
  create(options: ImportOptions): ImportFormat;
}
