import { readFileSync } from 'node:fs';
import type { Schema } from 'avsc';
import type { EventTypeName } from './event-types.ts';

const AVRO_DIR = new URL('./avro/', import.meta.url);

function loadAvsc(name: EventTypeName): Schema {
  return JSON.parse(readFileSync(new URL(`${name}.avsc`, AVRO_DIR), 'utf8')) as Schema;
}

/** The `.avsc` files, the source of truth of the event model, keyed by event type name. */
export const AVRO_SCHEMAS: Readonly<Record<EventTypeName, Schema>> = Object.freeze({
  SensorReading: loadAvsc('SensorReading'),
  BuildingRegistered: loadAvsc('BuildingRegistered'),
});
