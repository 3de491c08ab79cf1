import type { Schema } from 'avsc';
import avro from 'avsc';
import { LOGICAL_TYPES } from '../timestamp-millis.ts';
import { SchemaConversionError } from './errors.ts';

/**
 * A logical type avsc does not know (it is not in `LOGICAL_TYPES`), e.g. `uuid` or `date`: avsc
 * treats the value as its underlying type, so only the annotation is kept, for round trips.
 */
export interface AvroLogicalAnnotation {
  readonly logicalType: string;
  /** Extra attributes such as a decimal's `precision` and `scale`. */
  readonly attrs: Readonly<Record<string, unknown>>;
}

export type AvroPrimitiveKind = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes';

export interface AvroPrimitiveNode {
  readonly kind: AvroPrimitiveKind;
  readonly logical?: AvroLogicalAnnotation;
}

/** `timestamp-millis`, which the project's logical type decodes to `Date`. */
export interface AvroTimestampNode {
  readonly kind: 'timestamp-millis';
  readonly underlying: 'int' | 'long';
}

export interface AvroEnumNode {
  readonly kind: 'enum';
  /** Full name (namespace included). */
  readonly name: string;
  readonly doc?: string;
  readonly symbols: readonly string[];
}

export interface AvroFixedNode {
  readonly kind: 'fixed';
  readonly name: string;
  readonly size: number;
  readonly logical?: AvroLogicalAnnotation;
}

export interface AvroArrayNode {
  readonly kind: 'array';
  readonly items: AvroNode;
}

export interface AvroMapNode {
  readonly kind: 'map';
  readonly values: AvroNode;
}

export interface AvroFieldNode {
  readonly name: string;
  readonly doc?: string;
  readonly type: AvroNode;
  /** `json` as written in the schema; `value()` a fresh copy in the shape avsc decodes it to. */
  readonly default?: { readonly json: unknown; readonly value: () => unknown };
}

export interface AvroRecordNode {
  readonly kind: 'record';
  readonly name: string;
  readonly doc?: string;
  /** `error` records decode to `Error` subclasses, which the converters do not model. */
  readonly isError: boolean;
  readonly fields: AvroFieldNode[];
}

export interface AvroUnionNode {
  readonly kind: 'union';
  /** avsc wraps ambiguous unions (`{ int: 1 }` rather than `1`); only unwrapped ones are converted. */
  readonly wrapped: boolean;
  readonly branches: readonly AvroNode[];
}

/**
 * An Avro schema as avsc resolved it (full names, union wrapping, decoded defaults), plus the
 * logical-type annotations avsc drops. Named types are shared objects, so references to a named
 * type are the same node and recursive schemas are cyclic graphs.
 */
export type AvroNode =
  | AvroPrimitiveNode
  | AvroTimestampNode
  | AvroEnumNode
  | AvroFixedNode
  | AvroArrayNode
  | AvroMapNode
  | AvroRecordNode
  | AvroUnionNode;

// Attributes that belong to Avro itself rather than to a logical type annotation.
const RESERVED_ATTRS = new Set([
  'type',
  'logicalType',
  'name',
  'namespace',
  'doc',
  'aliases',
  'symbols',
  'size',
  'fields',
  'items',
  'values',
  'default',
  'order',
]);

function asObject(json: unknown): Record<string, unknown> | undefined {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : undefined;
}

function logicalOf(json: unknown): AvroLogicalAnnotation | undefined {
  const obj = asObject(json);
  if (obj === undefined || typeof obj.logicalType !== 'string') return undefined;
  const attrs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (!RESERVED_ATTRS.has(key)) attrs[key] = value;
  }
  return { logicalType: obj.logicalType, attrs };
}

function withLogical<T extends object>(node: T, logical: AvroLogicalAnnotation | undefined): T {
  return logical === undefined ? node : { ...node, logical };
}

function docOf(json: unknown): string | undefined {
  const doc = asObject(json)?.doc;
  return typeof doc === 'string' ? doc : undefined;
}

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes']);

function isPrimitiveKind(name: string): name is AvroPrimitiveKind {
  return PRIMITIVES.has(name);
}

/**
 * Parses an Avro schema with avsc and the project's `LOGICAL_TYPES` (so it is validated exactly as
 * the event codec would) and returns its {@link AvroNode} graph.
 *
 * @throws {SchemaConversionError} when avsc rejects the schema or it uses a registered logical type
 *   other than `timestamp-millis`.
 */
export function parseAvroSchema(schema: Schema): AvroNode {
  let type: avro.Type;
  let json: unknown = schema;
  try {
    if (avro.Type.isType(schema)) {
      // A parsed type has already lost unknown logical types; its exported schema is the best left.
      type = schema as avro.Type;
      json = type.schema({ exportAttrs: true });
    } else {
      type = avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES });
    }
  } catch (error) {
    throw new SchemaConversionError([], `invalid Avro schema: ${(error as Error).message}`, error);
  }
  return build(type, json, [], new Map());
}

function build(
  type: avro.Type,
  json: unknown,
  path: readonly string[],
  named: Map<avro.Type, AvroNode>,
): AvroNode {
  const seen = named.get(type);
  if (seen !== undefined) return seen;
  const logical = logicalOf(json);
  const typeName = type.typeName;

  if (isPrimitiveKind(typeName)) return withLogical({ kind: typeName }, logical);

  if (type instanceof avro.types.LogicalType) {
    const underlying = type.underlyingType.typeName;
    if (typeName === 'logical:timestamp-millis' && (underlying === 'long' || underlying === 'int')) {
      return { kind: 'timestamp-millis', underlying };
    }
    throw new SchemaConversionError(path, `unsupported logical type ${typeName} on ${underlying}`);
  }

  if (type instanceof avro.types.EnumType) {
    const doc = type.doc;
    const node: AvroEnumNode = {
      kind: 'enum',
      name: type.name ?? '',
      symbols: [...type.symbols],
      ...(doc === undefined ? {} : { doc }),
    };
    named.set(type, node);
    return node;
  }

  if (type instanceof avro.types.FixedType) {
    const node = withLogical<AvroFixedNode>(
      { kind: 'fixed', name: type.name ?? '', size: type.size },
      logical,
    );
    named.set(type, node);
    return node;
  }

  if (type instanceof avro.types.ArrayType) {
    return { kind: 'array', items: build(type.itemsType, asObject(json)?.items, [...path, '[]'], named) };
  }

  if (type instanceof avro.types.MapType) {
    // avsc types `valuesType` as `any`; it is always a Type.
    const valuesType: avro.Type = type.valuesType;
    return { kind: 'map', values: build(valuesType, asObject(json)?.values, [...path, '{}'], named) };
  }

  if (type instanceof avro.types.RecordType) {
    const doc = type.doc;
    const node: AvroRecordNode = {
      kind: 'record',
      name: type.name ?? '',
      isError: typeName === 'error',
      fields: [],
      ...(doc === undefined ? {} : { doc }),
    };
    // Registered before the fields are built so that a recursive reference finds this node.
    named.set(type, node);
    const jsonFields = asObject(json)?.fields;
    type.fields.forEach((field, index) => {
      const jsonField = asObject(Array.isArray(jsonFields) ? jsonFields[index] : undefined);
      const fieldDoc = docOf(jsonField);
      const hasDefault = field.defaultValue() !== undefined;
      node.fields.push({
        name: field.name,
        type: build(field.type, jsonField?.type, [...path, field.name], named),
        ...(fieldDoc === undefined ? {} : { doc: fieldDoc }),
        ...(hasDefault ? { default: { json: jsonField?.default, value: () => field.defaultValue() } } : {}),
      });
    });
    return node;
  }

  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    const branchesJson = Array.isArray(json) ? json : [];
    return {
      kind: 'union',
      wrapped: type instanceof avro.types.WrappedUnionType,
      branches: type.types.map((branch, index) => build(branch, branchesJson[index], path, named)),
    };
  }

  throw new SchemaConversionError(path, `unsupported Avro type ${typeName}`);
}
