import { parse } from 'csv-parse/sync';
import { z } from 'zod';

/** One building of BDG1's `meta_open.csv`, typed and cleaned. */
export interface Bdg1Building {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly timezone: string;
  /** An exact year, or null when the file gives a range such as `1919-1945` or `pre 1919`. */
  readonly yearBuilt: number | null;
  /** Station id derived from the weather file name, e.g. `weather2.csv` -> `bdg1-weather2`. */
  readonly weatherStationId: string | null;
}

/** A row the importer refused, with the reason; the caller decides to report or dead-letter it. */
export interface RejectedRow {
  readonly line: number;
  readonly reason: string;
}

const optionalNumber = z
  .string()
  .transform((s) => (s.trim() === '' ? null : Number(s)))
  .refine((n) => n === null || (Number.isFinite(n) && n > 0), 'must be a positive number or empty');

const row = z.object({
  uid: z.string().min(1, 'uid is empty'),
  primaryspaceusage: z.string().min(1, 'primaryspaceusage is empty'),
  sqm: optionalNumber,
  timezone: z.string().refine(isTimeZone, 'is not an IANA time zone'),
  yearbuilt: z.string(),
  newweatherfilename: z.string(),
});

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** The outcome of mapping one `meta_open.csv` row: a building, or why the row cannot describe one. */
export type MetaOpenRowResult =
  | { readonly ok: true; readonly building: Bdg1Building }
  | { readonly ok: false; readonly reason: string };

/**
 * Maps one `meta_open.csv` row (fields by header name, trimmed) to a building: the row mapping shared
 * by the whole-file {@link parseMetaOpen} and the streaming `bdg1-meta` import format.
 */
export function mapMetaOpenRow(record: Readonly<Record<string, string>>): MetaOpenRowResult {
  const parsed = row.safeParse(record);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '),
    };
  }
  const r = parsed.data;
  const station = r.newweatherfilename.match(/^(weather\d+)\.csv$/)?.[1];
  return {
    ok: true,
    building: {
      buildingId: r.uid,
      primaryUse: r.primaryspaceusage,
      floorAreaM2: r.sqm,
      timezone: r.timezone,
      yearBuilt: /^\d{4}$/.test(r.yearbuilt) ? Number(r.yearbuilt) : null,
      weatherStationId: station ? `bdg1-${station}` : null,
    },
  };
}

/** Columns a `meta_open.csv` header must have for {@link mapMetaOpenRow} to describe a building. */
export const META_OPEN_COLUMNS = Object.keys(row.shape);

/**
 * Parses BDG1 metadata. The real file uses old Mac line endings (CR only), which csv-parse detects;
 * many fields are empty. Rows that cannot describe a building are returned as rejections, never dropped.
 */
export function parseMetaOpen(text: string): { buildings: Bdg1Building[]; rejected: RejectedRow[] } {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const buildings: Bdg1Building[] = [];
  const rejected: RejectedRow[] = [];
  records.forEach((record, index) => {
    const mapped = mapMetaOpenRow(record);
    if (mapped.ok) buildings.push(mapped.building);
    else rejected.push({ line: index + 2, reason: mapped.reason });
  });
  return { buildings, rejected };
}
