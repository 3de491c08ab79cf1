/**
 * Pure rendering of `schemas/generated/event-types.ts` from the parsed `.avsc` files. No I/O, so the
 * drift test can run it in-process and compare with the committed file.
 */

/** A JSON value, as `JSON.parse` returns it for an `.avsc` file. */
export type AvroJson = null | boolean | number | string | readonly AvroJson[] | AvroJsonObject;
/** A JSON object of an `.avsc` file: a record, enum, array, map, field or annotated primitive. */
export interface AvroJsonObject {
  readonly [key: string]: AvroJson;
}

/** Path of the generated file, relative to the repository root; named in drift messages. */
export const GENERATED_PATH = 'schemas/generated/event-types.ts';

const LINE_WIDTH = 110;
const INDENT = '  ';

const HEADER = `// Generated from schemas/avro by schemas/codegen/generate-event-types.ts; do not edit.
// Regenerate with \`npm run schemas:generate\`; \`npm run schemas:check-types\` fails when this file is stale.
//
// Mapping: records are interfaces with readonly fields, enums a const array of their symbols plus a
// string-literal union, timestamp-millis is Date (the project's LOGICAL_TYPES), long is number
// (epoch milliseconds and offsets stay below 2^53), bytes is Buffer, ["null", T] is T | null.
// A field with an Avro default is optional: producers may omit it and avsc writes the default, so
// fields added later for compatibility do not break existing producers. Decoded events always carry it.`;

const PRIMITIVES: Readonly<Record<string, string>> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

function isObject(value: AvroJson | undefined): value is AvroJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArray(value: AvroJson | undefined): value is readonly AvroJson[] {
  return Array.isArray(value);
}

function stringAt(schema: AvroJsonObject, key: string, where: string): string {
  const value = schema[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${where}: "${key}" must be a non-empty string`);
  }
  return value;
}

function optionalString(schema: AvroJsonObject, key: string): string | undefined {
  const value = schema[key];
  return typeof value === 'string' ? value : undefined;
}

/** TypeScript name of an Avro (full) name: namespaces are the same for every event, so dropped. */
function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Order-independent JSON, so two copies of a shared type compare equal whatever their key order. */
function canonical(value: AvroJson): string {
  if (isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `MeterKind` -> `METER_KINDS`: the const array of an enum is named after its plural. */
export function enumConstName(typeName: string): string {
  const snake = typeName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  if (/[^AEIOU]Y$/.test(snake)) return `${snake.slice(0, -1)}IES`;
  if (/(S|X|CH|SH)$/.test(snake)) return `${snake}ES`;
  return `${snake}S`;
}

function jsDoc(doc: string, indent: string): string {
  const text = doc.replaceAll('*/', '*\\/').replace(/\s+/g, ' ').trim();
  const single = `${indent}/** ${text} */`;
  if (single.length <= LINE_WIDTH) return single;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && indent.length + 3 + line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line.length === 0 ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join('\n');
}

function stringArray(prefix: string, items: readonly string[], suffix: string): string {
  const quoted = items.map((s) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`);
  const single = `${prefix}[${quoted.join(', ')}]${suffix}`;
  if (single.length <= LINE_WIDTH) return single;
  return `${prefix}[\n${quoted.map((q) => `${INDENT}${q},\n`).join('')}]${suffix}`;
}

/** Collects the named types of all schemas and renders TypeScript for them. */
class Renderer {
  /** Definition (canonical JSON) of every named type seen, to reject two different types of one name. */
  private readonly definitions = new Map<string, string>();
  private readonly blocks: string[] = [];

  /** Renders a named type's declaration once and returns the TypeScript type of a schema. */
  typeOf(schema: AvroJson, where: string): string {
    if (typeof schema === 'string') {
      const primitive = PRIMITIVES[schema];
      if (primitive !== undefined) return primitive;
      const name = shortName(schema);
      if (!this.definitions.has(name)) throw new Error(`${where}: unknown type ${schema}`);
      return name;
    }
    if (isArray(schema)) {
      const branches = schema.map((branch, i) => this.typeOf(branch, `${where}[${i}]`));
      // Avro puts null first in a nullable union, TypeScript convention puts it last.
      return [...branches.filter((b) => b !== 'null'), ...branches.filter((b) => b === 'null')].join(' | ');
    }
    if (!isObject(schema)) throw new Error(`${where}: ${JSON.stringify(schema)} is not an Avro schema`);
    const type = schema.type ?? null;
    const logicalType = optionalString(schema, 'logicalType');
    if (type === 'long' && logicalType === 'timestamp-millis') return 'Date';
    switch (type) {
      case 'record':
        return this.record(schema, where);
      case 'enum':
        return this.enumeration(schema, where);
      case 'fixed':
        return 'Buffer';
      case 'array': {
        const items = this.typeOf(schema.items ?? null, `${where}.items`);
        return `readonly ${items.includes(' ') ? `(${items})` : items}[]`;
      }
      case 'map':
        return `Readonly<Record<string, ${this.typeOf(schema.values ?? null, `${where}.values`)}>>`;
      default:
        // An annotated primitive such as { "type": "string", "logicalType": "uuid" }.
        return this.typeOf(type, where);
    }
  }

  /** Returns true when the type is new; throws when a type of that name was defined differently. */
  private define(schema: AvroJsonObject, name: string, where: string): boolean {
    const definition = canonical(schema);
    const seen = this.definitions.get(name);
    if (seen === undefined) {
      this.definitions.set(name, definition);
      return true;
    }
    if (seen !== definition) {
      throw new Error(
        `${where}: ${name} differs from an earlier definition of the same name; keep copies identical`,
      );
    }
    return false;
  }

  private enumeration(schema: AvroJsonObject, where: string): string {
    const name = shortName(stringAt(schema, 'name', where));
    if (!this.define(schema, name, where)) return name;
    const symbols = schema.symbols;
    if (!isArray(symbols) || !symbols.every((s): s is string => typeof s === 'string')) {
      throw new Error(`${where}: enum ${name} needs string symbols`);
    }
    const doc = stringAt(schema, 'doc', `enum ${name}`);
    const constName = enumConstName(name);
    this.blocks.push(
      [
        jsDoc(`The symbols of {@link ${name}}, in schema order (for zod enums and exhaustive checks).`, ''),
        stringArray(`export const ${constName} = `, symbols, ' as const;'),
        jsDoc(doc, ''),
        `export type ${name} = (typeof ${constName})[number];`,
      ].join('\n'),
    );
    return name;
  }

  private record(schema: AvroJsonObject, where: string): string {
    const name = shortName(stringAt(schema, 'name', where));
    if (!this.define(schema, name, where)) return name;
    const fields = schema.fields;
    if (!isArray(fields)) throw new Error(`${where}: record ${name} needs fields`);
    const members = fields.map((field, i) => {
      if (!isObject(field)) throw new Error(`${where}: field ${i} of ${name} is not an object`);
      const fieldName = stringAt(field, 'name', `${name}.fields[${i}]`);
      const at = `${name}.${fieldName}`;
      const type = this.typeOf(field.type ?? null, at);
      const optional = field.default !== undefined ? '?' : '';
      return `${jsDoc(stringAt(field, 'doc', at), INDENT)}\n${INDENT}readonly ${fieldName}${optional}: ${type};`;
    });
    // Nested types were pushed while rendering the fields, so they come before the record using them.
    this.blocks.push(
      [
        jsDoc(stringAt(schema, 'doc', `record ${name}`), ''),
        `export interface ${name} {`,
        ...members,
        '}',
      ].join('\n'),
    );
    return name;
  }

  /** Renders the event records (top-level schemas) and the map from event type name to type. */
  render(schemas: readonly AvroJson[]): string {
    const names = schemas.map((schema, i) => {
      if (!isObject(schema) || schema.type !== 'record') throw new Error(`schema ${i} is not a record`);
      return { name: shortName(stringAt(schema, 'name', `schema ${i}`)), schema };
    });
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, schema } of names) this.typeOf(schema, name);
    const eventNames = names.map((n) => n.name);
    const eventTypes = [
      '/** Maps each event type name (the Avro record name of a schemas/avro file) to its TypeScript shape. */',
      'export interface EventTypes {',
      ...eventNames.map((n) => `${INDENT}readonly ${n}: ${n};`),
      '}',
    ].join('\n');
    const eventTypeNames = [
      '/** Every event type name: one per schemas/avro file, in alphabetical order. */',
      stringArray('export const EVENT_TYPE_NAMES = ', eventNames, ' as const;'),
      '/** Name of an event type, the Avro record name. */',
      'export type EventTypeName = (typeof EVENT_TYPE_NAMES)[number];',
    ].join('\n');
    return `${[HEADER, ...this.blocks, eventTypes, eventTypeNames].join('\n\n')}\n`;
  }
}

/**
 * Renders the TypeScript module for the given parsed `.avsc` files (one top-level record each).
 * Output is deterministic (sorted by record name) and already formatted the way biome formats it.
 * Throws when a schema uses something the mapping does not cover, lacks a doc, or when a shared
 * named type (e.g. MeterKind) is defined differently in two files.
 */
export function renderEventTypes(schemas: readonly AvroJson[]): string {
  return new Renderer().render(schemas);
}

/**
 * Undefined when the committed file equals the rendered one; otherwise a diff-like message naming
 * the file and the first lines that differ.
 */
export function describeDrift(committed: string | undefined, rendered: string): string | undefined {
  if (committed === rendered) return undefined;
  const fix = 'Run `npm run schemas:generate` and commit the result.';
  if (committed === undefined) return `${GENERATED_PATH} is missing. ${fix}`;
  const before = committed.split('\n');
  const after = rendered.split('\n');
  let first = 0;
  while (first < before.length && first < after.length && before[first] === after[first]) first++;
  const context = (lines: readonly string[], mark: string): string[] =>
    lines.slice(first, first + 3).map((l) => `${mark} ${l}`);
  return [
    `${GENERATED_PATH} is out of date with schemas/avro (first difference at line ${first + 1}):`,
    `--- ${GENERATED_PATH} (committed)`,
    '+++ rendered from schemas/avro',
    ...context(before, '-'),
    ...context(after, '+'),
    fix,
  ].join('\n');
}
