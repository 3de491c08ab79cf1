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

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

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
    const parsed = row.safeParse(record);
    const line = index + 2;
    if (!parsed.success) {
      rejected.push({
        line,
        reason: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '),
      });
      return;
    }
    const r = parsed.data;
    const station = r.newweatherfilename.match(/^(weather\d+)\.csv$/)?.[1];
    buildings.push({
      buildingId: r.uid,
      primaryUse: r.primaryspaceusage,
      floorAreaM2: r.sqm,
      timezone: r.timezone,
      yearBuilt: /^\d{4}$/.test(r.yearbuilt) ? Number(r.yearbuilt) : null,
      weatherStationId: station ? `bdg1-${station}` : null,
    });
  });
  return { buildings, rejected };
}
