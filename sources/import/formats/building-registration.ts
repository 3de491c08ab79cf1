import { type BuildingRegistered, derivedEventId } from '../../../schemas/index.ts';
import type { ImportEvent, UnitOutcome } from '../import-format.ts';

/** What a metadata row says about a building: everything of BuildingRegistered but the envelope. */
export type BuildingDescription = Omit<
  BuildingRegistered,
  'eventId' | 'occurredAt' | 'source' | 'traceContext'
>;

/** The description in a fixed field order, so the same content always gives the same text. */
export function stableDescription(d: BuildingDescription): string {
  return JSON.stringify([
    d.buildingId,
    d.siteId ?? null,
    d.primaryUse,
    d.floorAreaM2 ?? null,
    d.timezone,
    d.yearBuilt ?? null,
    d.weatherStationId ?? null,
    d.tenantId ?? null,
  ]);
}

/**
 * The registration event of a description. The id derives from the content, so importing the same
 * file again gives the same events, and a changed description a new one.
 */
export function buildingRegisteredEvent(
  d: BuildingDescription,
  registeredAt: Date,
  source: string,
): ImportEvent {
  const event: BuildingRegistered = {
    eventId: derivedEventId('building-registered', d.buildingId, stableDescription(d)),
    occurredAt: registeredAt,
    source,
    ...d,
    traceContext: null,
  };
  return { topic: 'buildings', key: d.buildingId, event };
}

/** Judges a building id seen twice in one file: the same description again is a repeat, another one a conflict. */
export class BuildingRepeatGuard {
  readonly #seen = new Map<string, { readonly line: number; readonly description: string }>();

  check(d: BuildingDescription, line: number): UnitOutcome | undefined {
    const description = stableDescription(d);
    const first = this.#seen.get(d.buildingId);
    if (first === undefined) {
      this.#seen.set(d.buildingId, { line, description });
      return undefined;
    }
    return first.description === description
      ? {
          kind: 'cleaned',
          rule: 'repeated row',
          detail: `${d.buildingId} first at line ${first.line}, same description`,
        }
      : {
          kind: 'deadLettered',
          reason: 'conflicting duplicate building',
          detail: `${d.buildingId} first at line ${first.line} with another description`,
        };
  }
}

/** A header's fields by name (trimmed), for formats that read columns by name. */
export function fieldsByName(names: readonly string[], fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  names.forEach((name, i) => {
    record[name] = (fields[i] ?? '').trim();
  });
  return record;
}
