import type { schema as avsc } from 'avsc';
import avro from 'avsc';
import { z } from 'zod';
import { LOGICAL_TYPES } from '../timestamp-millis.ts';
import type { AvroZodMeta } from './avro-meta.ts';
import { avroZodMeta } from './avro-meta.ts';
import { SchemaConversionError } from './errors.ts';

export interface ZodToAvroOptions {
  /** Record name; may be a full name (`ns.Name`). */
  readonly name: string;
  readonly namespace?: string;
  /** Record doc; defaults to the schema's Avro doc or its description. */
  readonly doc?: string;
}

type AvroJson = avsc.AvroSchema;
type Bucket = 'null' | 'boolean' | 'number' | 'string' | 'buffer' | 'array' | 'object' | 'dynamic';

interface NamedEntry {
  readonly origin: z.ZodType;
  readonly bucket: Bucket;
}

interface Context {
  /** Namespace names are written relative to. */
  readonly namespace: string | undefined;
  /** Named types already written, by full name: later uses must be references. */
  readonly named: Map<string, NamedEntry>;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** zod types inner schemas as core `$ZodType`; in the classic API every schema is a `ZodType`. */
function classic(schema: z.core.$ZodType): z.ZodType {
  return schema as z.ZodType;
}

function metaOf(schema: z.ZodType): AvroZodMeta {
  return avroZodMeta.get(schema) ?? {};
}

/** The schema a chain of `.describe()`-style clones started from: what identifies a named type. */
function originOf(schema: z.ZodType): z.ZodType {
  let current = schema;
  // `parent` is set by zod on clones that keep the same definition.
  for (let parent = current._zod.parent; parent !== undefined; parent = current._zod.parent) {
    current = parent as z.ZodType;
  }
  return current;
}

function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const joined = words.map((w) => (w[0] ?? '').toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(joined) || joined === '' ? `_${joined}` : joined;
}

function splitName(fullName: string): { namespace: string | undefined; name: string } {
  const dot = fullName.lastIndexOf('.');
  return dot < 0
    ? { namespace: undefined, name: fullName }
    : { namespace: fullName.slice(0, dot), name: fullName.slice(dot + 1) };
}

function qualify(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

/** `name`/`namespace` attributes of a named type written inside `ctx.namespace`. */
function nameAttrs(fullName: string, ctx: Context): { name: string; namespace?: string } {
  const { namespace, name } = splitName(fullName);
  return namespace === ctx.namespace ? { name } : { name, namespace: namespace ?? '' };
}

function bucketOf(type: AvroJson, ctx: Context): Bucket {
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
      case 'boolean':
      case 'string':
        return type;
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
      case 'bytes':
        return 'buffer';
      default:
        return ctx.named.get(type)?.bucket ?? 'object';
    }
  }
  if (Array.isArray(type)) return 'object';
  if ('logicalType' in type && type.logicalType === 'timestamp-millis') return 'dynamic';
  switch (type.type) {
    case 'enum':
      return 'string';
    case 'fixed':
      return 'buffer';
    case 'array':
      return 'array';
    case 'map':
    case 'record':
    case 'error':
      return 'object';
    default:
      return bucketOf(type.type, ctx);
  }
}

function withLogical(type: string, meta: AvroZodMeta): AvroJson {
  if (meta.logical === undefined) return type;
  return { ...meta.logical.attrs, type, logicalType: meta.logical.logicalType } as AvroJson;
}

function unsupported(path: readonly string[], what: string): SchemaConversionError {
  return new SchemaConversionError(path, `${what} has no Avro equivalent`);
}

/** Writes a named type once; later uses with the same origin become references by full name. */
function named(
  schema: z.ZodType,
  path: readonly string[],
  ctx: Context,
  explicitName: string | undefined,
  suggested: string,
  bucket: Bucket,
  define: (fullName: string, inner: Context) => AvroJson,
): AvroJson {
  const origin = originOf(schema);
  for (const [fullName, entry] of ctx.named) {
    if (entry.origin === origin) return fullName;
  }
  const candidates = explicitName !== undefined ? [explicitName] : [suggested];
  if (explicitName === undefined) {
    for (let i = 2; i < 100; i++) candidates.push(`${suggested}${i}`);
  }
  for (const candidate of candidates) {
    const fullName = qualify(candidate, ctx.namespace);
    if (!ctx.named.has(fullName)) {
      // Registered before the definition is written, so a recursive use becomes a reference.
      ctx.named.set(fullName, { origin, bucket });
      return define(fullName, { ...ctx, namespace: splitName(fullName).namespace });
    }
  }
  throw new SchemaConversionError(path, `two different types are named ${explicitName ?? suggested}`);
}

/** Avro JSON for a field default (bytes as ISO-8859-1 strings, dates as epoch millis). */
function defaultJson(value: unknown, path: readonly string[]): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map((item) => defaultJson(item, path));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defaultJson(v, path)]));
  }
  throw new SchemaConversionError(path, `default ${String(value)} cannot be written in Avro`);
}

function convertObject(
  schema: z.ZodObject,
  path: readonly string[],
  ctx: Context,
  names: { name: string; namespace?: string },
  doc: string | undefined,
): avsc.RecordType {
  const fields = Object.entries(schema.shape).map(([key, fieldSchema]) => {
    const fieldPath = [...path, key];
    if (!AVRO_NAME.test(key))
      throw new SchemaConversionError(fieldPath, 'field name is not a valid Avro name');
    return convertField(classic(fieldSchema), key, fieldPath, ctx);
  });
  return {
    type: 'record',
    ...names,
    ...(doc === undefined ? {} : { doc }),
    fields,
  };
}

function convertField(
  schema: z.ZodType,
  key: string,
  path: readonly string[],
  ctx: Context,
): avsc.RecordType['fields'][number] {
  let description: string | undefined;
  let optional = false;
  let nullable = false;
  let fieldDefault: { json: unknown } | undefined;
  let core = schema;
  for (let inner = wrapped(core); inner !== undefined; inner = wrapped(core)) {
    description ??= core.description;
    if (core instanceof z.ZodOptional) optional = true;
    if (core instanceof z.ZodNullable) nullable = true;
    if (core instanceof z.ZodDefault) {
      fieldDefault ??= metaOf(core).default ?? { json: defaultJson(core._zod.def.defaultValue, path) };
    }
    core = inner;
  }
  description ??= core.description;
  const type = convertType(core, path, ctx, pascalCase(key));
  let fieldType: AvroJson = type;
  let json = fieldDefault?.json;
  if (optional || nullable) {
    const branches = (Array.isArray(type) ? type : [type]).filter((b) => b !== 'null');
    // The default's type must be the first branch's.
    fieldType = json !== undefined && json !== null ? [...branches, 'null'] : ['null', ...branches];
    json = json === undefined ? null : json;
  }
  return {
    name: key,
    type: fieldType,
    ...(description === undefined ? {} : { doc: description }),
    ...(json === undefined ? {} : { default: json }),
  };
}

/** The schema inside the wrappers a field may carry, or undefined for anything else. */
function wrapped(schema: z.ZodType): z.ZodType | undefined {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodReadonly
  ) {
    return classic(schema._zod.def.innerType);
  }
  return undefined;
}

function flattenUnion(types: readonly AvroJson[]): avsc.DefinedType[] {
  return types.flatMap((t) => (Array.isArray(t) ? t : [t]));
}

function convertType(schema: z.ZodType, path: readonly string[], ctx: Context, suggested: string): AvroJson {
  const meta = metaOf(schema);
  const def = schema._zod.def;
  switch (def.type) {
    case 'string': {
      const format = 'format' in schema ? schema.format : undefined;
      if (format === 'uuid') return { type: 'string', logicalType: 'uuid' };
      return withLogical('string', meta);
    }
    case 'number': {
      if (!(schema instanceof z.ZodNumber)) throw unsupported(path, 'this number schema');
      if (schema.isInt) {
        const min = schema.minValue ?? Number.NEGATIVE_INFINITY;
        const max = schema.maxValue ?? Number.POSITIVE_INFINITY;
        const width = meta.avroType !== 'long' && min >= INT_MIN && max <= INT_MAX ? 'int' : 'long';
        return withLogical(width, meta);
      }
      return withLogical(meta.avroType === 'float' ? 'float' : 'double', meta);
    }
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'date':
      return { type: meta.avroType === 'int' ? 'int' : 'long', logicalType: 'timestamp-millis' };
    case 'enum': {
      const symbols = Object.values((schema as z.ZodEnum).enum);
      for (const symbol of symbols) {
        if (typeof symbol !== 'string' || !AVRO_NAME.test(symbol)) {
          throw new SchemaConversionError(path, `enum value ${String(symbol)} is not a valid Avro symbol`);
        }
      }
      return named(schema, path, ctx, meta.name, suggested, 'string', (fullName) => ({
        type: 'enum',
        ...nameAttrs(fullName, ctx),
        ...(meta.doc === undefined ? {} : { doc: meta.doc }),
        symbols: symbols as string[],
      }));
    }
    case 'array':
      return {
        type: 'array',
        items: convertType(classic((schema as z.ZodArray).element), [...path, '[]'], ctx, `${suggested}Item`),
      };
    case 'record': {
      const record = schema as z.ZodRecord;
      if (record.keyType._zod.def.type !== 'string')
        throw unsupported(path, 'a record whose keys are not z.string()');
      return {
        type: 'map',
        values: convertType(classic(record.valueType), [...path, '{}'], ctx, `${suggested}Value`),
      };
    }
    case 'object':
      return named(schema, path, ctx, meta.name, suggested, 'object', (fullName, inner) =>
        convertObject(schema as z.ZodObject, path, inner, nameAttrs(fullName, ctx), meta.doc),
      );
    case 'nullable': {
      const inner = convertType(wrapped(schema) ?? schema, path, ctx, suggested);
      return ['null', ...flattenUnion([inner]).filter((b) => b !== 'null')];
    }
    case 'union': {
      const options = (schema as z.ZodUnion).options;
      const branches = flattenUnion(
        options.map((option) => convertType(classic(option), path, ctx, suggested)),
      );
      const seen = new Set<Bucket>();
      for (const branch of branches) {
        const bucket = bucketOf(branch, ctx);
        if (bucket !== 'dynamic' && seen.has(bucket)) {
          throw new SchemaConversionError(
            path,
            `union has two ${bucket} branches, which avsc can only decode wrapped`,
          );
        }
        seen.add(bucket);
      }
      return branches;
    }
    case 'readonly':
      return convertType(wrapped(schema) ?? schema, path, ctx, suggested);
    case 'custom':
      if (meta.avroType === 'bytes' || meta.avroType === 'float' || meta.avroType === 'double') {
        return withLogical(meta.avroType, meta);
      }
      if (meta.avroType === 'fixed' && meta.name !== undefined && meta.size !== undefined) {
        const size = meta.size;
        return named(
          schema,
          path,
          ctx,
          meta.name,
          suggested,
          'buffer',
          (fullName) =>
            ({
              ...(meta.logical?.attrs ?? {}),
              type: 'fixed',
              ...nameAttrs(fullName, ctx),
              size,
              ...(meta.logical ? { logicalType: meta.logical.logicalType } : {}),
            }) as AvroJson,
        );
      }
      throw unsupported(path, 'a custom zod schema');
    case 'optional':
    case 'default':
      throw new SchemaConversionError(path, `${def.type} is only supported on object fields`);
    default:
      throw unsupported(path, `zod ${def.type}`);
  }
}

/**
 * Derives an Avro record schema from a zod object schema, such that every value the zod schema
 * accepts is valid for the Avro type and survives encoding (optional fields come back as `null`).
 *
 * Checks Avro cannot express (string lengths, patterns, number ranges beyond choosing `int` or
 * `long`) are dropped, which only widens the Avro type. Names of nested records and enums come
 * from {@link avroZodMeta} when the schema came from `avroToZod`, otherwise from the field name in
 * PascalCase (`Item`/`Value` suffixes inside arrays and maps).
 *
 * @throws {SchemaConversionError} (`INVALID_ARGUMENT`, naming the path) for constructs with no
 *   Avro equivalent: transforms and pipes, tuples, intersections, literals, bigint, ambiguous
 *   unions, optional outside an object field, non-string map keys. Recursive
 *   zod schemas become recursive Avro records (which `avroToZod` does not take back).
 */
export function zodToAvro(schema: z.ZodType, options: ZodToAvroOptions): avsc.RecordType {
  if (!(schema instanceof z.ZodObject))
    throw unsupported([], `a root zod ${schema._zod.def.type} (a record needs z.object)`);
  const meta = metaOf(schema);
  const fullName = qualify(options.name, options.namespace);
  const ctx: Context = { namespace: splitName(fullName).namespace, named: new Map() };
  ctx.named.set(fullName, { origin: originOf(schema), bucket: 'object' });
  const doc = options.doc ?? meta.doc ?? schema.description;
  const body = convertObject(schema, [], ctx, { name: fullName }, doc);
  const result: avsc.RecordType = {
    type: 'record',
    name: splitName(options.name).name,
    ...(options.namespace !== undefined || options.name.includes('.')
      ? { namespace: options.namespace ?? splitName(options.name).namespace }
      : {}),
    ...(doc === undefined ? {} : { doc }),
    fields: body.fields,
  };
  try {
    avro.Type.forSchema(result, { logicalTypes: LOGICAL_TYPES });
  } catch (error) {
    throw new SchemaConversionError(
      [],
      `derived schema is not valid Avro: ${(error as Error).message}`,
      error,
    );
  }
  return result;
}
