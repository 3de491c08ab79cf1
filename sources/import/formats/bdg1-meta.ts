import { META_OPEN_COLUMNS, mapMetaOpenRow } from '../../bdg1/index.ts';
import {
  type ImportEvent,
  type ImportFormat,
  type ImportFormatFactory,
  ImportHeaderError,
  type ImportOptions,
  type RecordResult,
  type SourceRecord,
  type UnitOutcome,
} from '../import-format.ts';
import { BuildingRepeatGuard, buildingRegisteredEvent, fieldsByName } from './building-registration.ts';

export const BDG1_META_SOURCE = 'bdg1-importer';

/** Reads BDG1 `meta_open.csv`; one BuildingRegistered per row (unit `row`). */
export function createBdg1MetaFormat(options: ImportOptions): ImportFormat {
  let names: string[] | undefined;
  const repeats = new BuildingRepeatGuard();

  function outcome(record: SourceRecord): UnitOutcome {
    const header = names as string[];
    if (record.fields.length !== header.length) {
      return {
        kind: 'deadLettered',
        reason: 'wrong column count',
        detail: `${record.fields.length} fields, the header has ${header.length}`,
      };
    }
    const mapped = mapMetaOpenRow(fieldsByName(header, record.fields));
    if (!mapped.ok) return { kind: 'deadLettered', reason: 'not a building', detail: mapped.reason };
    const b = mapped.building;
    const description = {
      buildingId: b.buildingId,
      siteId: null,
      primaryUse: b.primaryUse,
      floorAreaM2: b.floorAreaM2,
      timezone: b.timezone,
      yearBuilt: b.yearBuilt,
      weatherStationId: b.weatherStationId,
      tenantId: null,
    };
    return (
      repeats.check(description, record.line) ?? {
        kind: 'produced',
        event: buildingRegisteredEvent(description, options.registeredAt, BDG1_META_SOURCE),
      }
    );
  }

  return {
    importer: 'bdg1-meta',
    unit: 'row',
    start(header: SourceRecord): readonly ImportEvent[] {
      names = header.fields.map((f) => f.trim());
      const missing = META_OPEN_COLUMNS.filter((c) => !names?.includes(c));
      if (missing.length > 0)
        throw new ImportHeaderError(`the meta_open.csv header lacks ${missing.join(', ')}`, missing);
      return [];
    },
    record(record: SourceRecord): readonly RecordResult[] {
      if (names === undefined) throw new Error('record() before start()');
      return [{ record, registrations: [], units: [outcome(record)] }];
    },
    end: () => [],
  };
}

/** `eaio import buildings` of BDG1 `meta_open.csv`. */
export const bdg1MetaFormat: ImportFormatFactory = {
  name: 'bdg1-meta',
  kind: 'buildings',
  deadLetterTopic: 'buildings',
  quoting: true,
  example: [
    'uid,dataend,datastart,energystarscore,heatingtype,industry,mainheatingtype,numberoffloors,occupants,primaryspaceusage,rating,sqft,sqm,subindustry,timezone,yearbuilt,nickname,primaryspaceuse_abbrev,newweatherfilename',
    'PrimClass_Everett,31/12/12 23:00,01/01/12 00:00,,,Education,,,,Primary/Secondary Classroom,,105530,9804.05359,Primary/Secondary School,America/New_York,,Everett,PrimClass,weather12.csv',
    'UnivClass_Clifford,31/12/15 23:00,01/01/15 00:00,,,Education,,,,College Classroom,,56969,5292.591007,College/University,America/New_York,1967,Clifford,UnivClass,weather2.csv',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    const names = header.map((h) => h.trim());
    return names.includes('uid') && names.includes('newweatherfilename');
  },
  create: (options) => createBdg1MetaFormat(options),
};
