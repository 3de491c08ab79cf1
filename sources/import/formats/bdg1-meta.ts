import { META_OPEN_COLUMNS, mapMetaOpenRow } from '../../bdg1/index.ts';
import type { ImportFormat, ImportFormatFactory, ImportOptions } from '../import-format.ts';
import { createBuildingRowsFormat } from './building-rows-format.ts';

export const BDG1_META_SOURCE = 'bdg1-importer';

/** Reads BDG1 `meta_open.csv`; one BuildingRegistered per row (unit `row`). */
export function createBdg1MetaFormat(options: ImportOptions): ImportFormat {
  return createBuildingRowsFormat(
    {
      importer: 'bdg1-meta',
      source: BDG1_META_SOURCE,
      columns: META_OPEN_COLUMNS,
      what: 'meta_open.csv',
      describe(row) {
        const mapped = mapMetaOpenRow(row);
        if (!mapped.ok) return { ok: false, detail: mapped.reason };
        const b = mapped.building;
        return {
          ok: true,
          description: {
            buildingId: b.buildingId,
            siteId: null,
            primaryUse: b.primaryUse,
            floorAreaM2: b.floorAreaM2,
            timezone: b.timezone,
            yearBuilt: b.yearBuilt,
            weatherStationId: b.weatherStationId,
            tenantId: null,
          },
        };
      },
    },
    options,
  );
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
