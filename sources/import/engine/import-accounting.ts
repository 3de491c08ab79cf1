import { EaioError } from '../../../infra/errors/index.ts';
import type { ImportUnit } from '../import-format.ts';

/** Counts of one import, or of a file prefix as a checkpoint carries them. */
export interface ImportCounts {
  read: number;
  produced: number;
  cleaned: number;
  deadLettered: number;
  duplicates: number;
  /** Messages produced for the units: produced ones and cleaned ones still produced. */
  events: number;
  registrations: number;
  /** Records (data lines) handled, whatever the unit. */
  rows: number;
  readonly cleanedByRule: Record<string, number>;
  readonly deadLetteredByReason: Record<string, number>;
}

export const emptyCounts = (): ImportCounts => ({
  read: 0,
  produced: 0,
  cleaned: 0,
  deadLettered: 0,
  duplicates: 0,
  events: 0,
  registrations: 0,
  rows: 0,
  cleanedByRule: {},
  deadLetteredByReason: {},
});

export const copyCounts = (c: ImportCounts): ImportCounts => ({
  ...c,
  cleanedByRule: { ...c.cleanedByRule },
  deadLetteredByReason: { ...c.deadLetteredByReason },
});

export const bump = (tally: Record<string, number>, key: string, by = 1): void => {
  tally[key] = (tally[key] ?? 0) + by;
};

/** What `eaio import` reports for one file; `read = produced + cleaned + deadLettered + duplicates`. */
export interface ImportSummary {
  readonly file: string;
  readonly importer: string;
  readonly unit: ImportUnit;
  readonly sourceId: string;
  readonly read: number;
  readonly produced: number;
  readonly cleaned: number;
  readonly cleanedByRule: Record<string, number>;
  readonly deadLettered: number;
  readonly deadLetteredByReason: Record<string, number>;
  readonly duplicates: number;
  /** Messages produced for units (produced ones and cleaned ones still produced). */
  readonly events: number;
  readonly registrations: number;
  /** Data records this import handled (not skipped as already imported). */
  readonly rows: number;
  readonly durationMs: number;
  readonly unitsPerSecond: number;
  /** Why the file was imported from its start although a checkpoint of it existed. */
  readonly restarted?: string;
}

/** Throws when the counts do not add up: a unit lost or counted twice is an engine bug, never data. */
export function assertAccounted(
  c: Pick<ImportCounts, 'read' | 'produced' | 'cleaned' | 'deadLettered' | 'duplicates'>,
  where: string,
): void {
  if (c.read === c.produced + c.cleaned + c.deadLettered + c.duplicates) return;
  throw new EaioError(
    'IMPORT_SOURCE',
    'permanent',
    `Internal error: import accounting does not add up ${where}: read ${c.read} != produced ${c.produced} + cleaned ${c.cleaned} + dead-lettered ${c.deadLettered} + duplicates ${c.duplicates}`,
  );
}

/** Adds `delta` into `into`, rules and reasons included. */
export function addCounts(into: ImportCounts, delta: ImportCounts): void {
  into.read += delta.read;
  into.produced += delta.produced;
  into.cleaned += delta.cleaned;
  into.deadLettered += delta.deadLettered;
  into.events += delta.events;
  into.registrations += delta.registrations;
  into.rows += delta.rows;
  for (const [k, v] of Object.entries(delta.cleanedByRule)) bump(into.cleanedByRule, k, v);
  for (const [k, v] of Object.entries(delta.deadLetteredByReason)) bump(into.deadLetteredByReason, k, v);
}
