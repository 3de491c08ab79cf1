import { readFileSync } from 'node:fs';
import type { Schema } from 'avsc';
import { EVENT_TYPE_NAMES, type EventTypeName } from './event-types.ts';

const AVRO_DIR = new URL('./avro/', import.meta.url);

function loadAvsc(name: EventTypeName): Schema {
  return JSON.parse(readFileSync(new URL(`${name}.avsc`, AVRO_DIR), 'utf8')) as Schema;
}

/**
 * The `.avsc` files, the source of truth of the event model, keyed by event type name. The list comes
 * from the generated types, so a schema file without regenerated types fails the drift check, not here.
 */
export const AVRO_SCHEMAS: Readonly<Record<EventTypeName, Schema>> = Object.freeze(
  Object.fromEntries(EVENT_TYPE_NAMES.map((name) => [name, loadAvsc(name)])) as Record<EventTypeName, Schema>,
);
