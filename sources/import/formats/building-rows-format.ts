import type {
  ImportEvent,
  ImportFormat,
  ImportOptions,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from '../import-format.ts';
import {
  type BuildingDescription,
  BuildingRepeatGuard,
  buildingRegisteredEvent,
  fieldsByName,
} from './building-registration.ts';
import { requireColumns } from './required-columns.ts';

/** What a metadata row says: a building, or why it is not one (the dead letter's detail). */
export type DescribedRow =
  | { readonly ok: true; readonly description: BuildingDescription }
  | { readonly ok: false; readonly detail: string };

/** What differs between the building metadata files; the rest is {@link createBuildingRowsFormat}. */
export interface BuildingRowsSpec {
  readonly importer: string;
  /** `source` of the BuildingRegistered events. */
  readonly source: string;
  /** Columns the header must hold, and the file's name in the error when it does not. */
  readonly columns: readonly string[];
  readonly what: string;
  /** The building a row (by trimmed column name) describes. */
  readonly describe: (row: Record<string, string>) => DescribedRow;
}

/**
 * A format with one BuildingRegistered per row (unit `row`): a row of another width than the header, or
 * one that describes no building, is a dead letter; a building id seen again is a repeat or a conflict.
 */
export function createBuildingRowsFormat(spec: BuildingRowsSpec, options: ImportOptions): ImportFormat {
  let names: string[] | undefined;
  const repeats = new BuildingRepeatGuard();

  function outcome(header: readonly string[], record: SourceRecord): UnitOutcome {
    if (record.fields.length !== header.length) {
      return {
        kind: 'deadLettered',
        reason: 'wrong column count',
        detail: `${record.fields.length} fields, the header has ${header.length}`,
      };
    }
    const described = spec.describe(fieldsByName(header, record.fields));
    if (!described.ok) return { kind: 'deadLettered', reason: 'not a building', detail: described.detail };
    return (
      repeats.check(described.description, record.line) ?? {
        kind: 'produced',
        event: buildingRegisteredEvent(described.description, options.registeredAt, spec.source),
      }
    );
  }

  return {
    importer: spec.importer,
    unit: 'row',
    start(header: SourceRecord): readonly ImportEvent[] {
      names = requireColumns(header.fields, spec.columns, spec.what);
      return [];
    },
    record(record: SourceRecord): readonly RecordResult[] {
      if (names === undefined) throw new Error('record() before start()');
      return [{ record, registrations: [], units: [outcome(names, record)] }];
    },
    end: () => [],
  };
}
