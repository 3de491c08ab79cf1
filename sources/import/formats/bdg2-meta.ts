import type { ImportFormat, ImportFormatFactory, ImportOptions } from '../import-format.ts';
import { createBuildingRowsFormat, type DescribedRow } from './building-rows-format.ts';
import { canonicalTimeZone } from './local-time.ts';

export const BDG2_META_SOURCE = 'bdg2-importer';

/**
 * Columns of BDG2 `data/metadata/metadata.csv` this format reads; the file has more (kaggle ids,
 * lat/lng, meter flags, industry, EUI, ...), which the BuildingRegistered schema does not carry.
 */
export const BDG2_META_COLUMNS = [
  'building_id',
  'site_id',
  'primaryspaceusage',
  'sqm',
  'yearbuilt',
  'timezone',
] as const;

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

/** Optional positive number (BDG2 writes pandas floats: `1975.0`, empty for NaN). */
function optionalPositive(text: string, column: string): Parsed<number | null> {
  if (text === '' || text.toLowerCase() === 'nan') return { ok: true, value: null };
  const n = Number(text);
  return Number.isFinite(n) && n > 0
    ? { ok: true, value: n }
    : { ok: false, detail: `${column} "${text}" is not a positive number` };
}

function yearOf(text: string): Parsed<number | null> {
  const n = optionalPositive(text, 'yearbuilt');
  if (!n.ok || n.value === null) return n;
  return Number.isInteger(n.value) && n.value >= 1000 && n.value <= 2100
    ? n
    : { ok: false, detail: `yearbuilt "${text}" is not a year` };
}

/** Reads BDG2 `metadata.csv`; one BuildingRegistered per row, station `bdg2-<site_id>`. */
export function createBdg2MetaFormat(options: ImportOptions): ImportFormat {
  return createBuildingRowsFormat(
    {
      importer: 'bdg2-meta',
      source: BDG2_META_SOURCE,
      columns: BDG2_META_COLUMNS,
      what: 'BDG2 metadata',
      describe: describeBdg2Row,
    },
    options,
  );
}

function describeBdg2Row(r: Record<string, string>): DescribedRow {
  const notBuilding = (detail: string): DescribedRow => ({ ok: false, detail });
  const buildingId = r.building_id ?? '';
  const site = r.site_id ?? '';
  const primaryUse = r.primaryspaceusage ?? '';
  if (buildingId === '') return notBuilding('building_id is empty');
  if (site === '') return notBuilding('site_id is empty');
  if (primaryUse === '' || primaryUse.toLowerCase() === 'nan')
    return notBuilding('primaryspaceusage is empty');
  const zone = canonicalTimeZone(r.timezone ?? '');
  if (zone === undefined) return notBuilding(`timezone "${r.timezone ?? ''}" is not an IANA time zone`);
  const sqm = optionalPositive(r.sqm ?? '', 'sqm');
  if (!sqm.ok) return notBuilding(sqm.detail);
  const year = yearOf(r.yearbuilt ?? '');
  if (!year.ok) return notBuilding(year.detail);
  return {
    ok: true,
    description: {
      buildingId,
      siteId: site,
      primaryUse,
      floorAreaM2: sqm.value,
      timezone: zone,
      yearBuilt: year.value,
      weatherStationId: `bdg2-${site}`,
      tenantId: null,
    },
  };
}

/** `eaio import buildings` of BDG2 `metadata.csv`. */
export const bdg2MetaFormat: ImportFormatFactory = {
  name: 'bdg2-meta',
  kind: 'buildings',
  deadLetterTopic: 'buildings',
  quoting: true,
  example: [
    'building_id,site_id,building_id_kaggle,site_id_kaggle,primaryspaceusage,sub_primaryspaceusage,sqm,sqft,lat,lng,timezone,electricity,hotwater,chilledwater,steam,water,irrigation,solar,gas,industry,subindustry,heatingtype,yearbuilt,date_opened,numberoffloors,occupants,energystarscore,eui,site_eui,source_eui,leed_level,rating',
    'Bear_education_Sharon,Bear,,,Education,Education,5261.7,56637.0,37.8719034,-122.2607286,US/Pacific,Yes,,,,,,,,,,,1953.0,,5.0,,,,,,,',
    'Panther_office_Hannah,Panther,,,Office,Office,,,,,US/Eastern,Yes,,,,,,,,,,,,,,,,,,,,',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    const names = header.map((h) => h.trim());
    return names.includes('building_id') && names.includes('primaryspaceusage') && names.includes('timezone');
  },
  create: (options) => createBdg2MetaFormat(options),
};
