import type { Schema } from 'avsc';
import { z } from 'zod';
import type { AvroZodMeta } from './avro-meta.ts';
import { avroZodMeta } from './avro-meta.ts';
import type { AvroNode, AvroRecordNode } from './avro-model.ts';
import { parseAvroSchema } from './avro-model.ts';
import { SchemaConversionError } from './errors.ts';

/**
 * Longs avsc encodes and decodes exactly. avsc's own check admits down to -9007199254740990, but
 * below -2^52 its zig-zag encoding exceeds 2^53 and the value decodes wrong (e.g. -(2^52) - 1
 * comes back positive), so those are rejected here; the top end is avsc's.
 */
export const AVRO_LONG_MIN = -(2 ** 52);
export const AVRO_LONG_MAX = 9007199254740990;

export interface AvroToZodOptions {
  /**
   * Reject keys a record does not declare, as avsc's `isValid(v, { noUndeclaredFields: true })`.
   * Default `false`, like avsc's default: undeclared keys are accepted, and dropped from the parsed
   * output just as encoding drops them.
   */
  readonly noUndeclaredFields?: boolean;
  /**
   * Accept `NaN` and `±Infinity` for `float` and `double`, as avsc does. Default `false`: they
   * cannot travel in JSON tool inputs and no event field means them, so zod's finite
   * `z.number()` is used.
   */
  readonly nonFiniteFloats?: boolean;
}

interface Context {
  readonly options: AvroToZodOptions;
  readonly named: Map<AvroNode, z.ZodType>;
  readonly inProgress: Set<AvroNode>;
}

function tag<T extends z.ZodType>(schema: T, meta: AvroZodMeta): T {
  avroZodMeta.add(schema, meta);
  return schema;
}

function buffer(check: (value: Buffer) => boolean, message: string): z.ZodType<Buffer> {
  return z.custom<Buffer>((value) => Buffer.isBuffer(value) && check(value), { message });
}

function record(node: AvroRecordNode, path: readonly string[], ctx: Context): z.ZodType {
  if (node.isError) throw new SchemaConversionError(path, `error record ${node.name} is not supported`);
  const shape: Record<string, z.ZodType> = {};
  for (const field of node.fields) {
    let schema = convert(field.type, [...path, field.name], ctx);
    const fieldDefault = field.default;
    if (fieldDefault !== undefined) {
      // avsc accepts a missing field that has a default and encodes the default in its place.
      schema = tag(
        schema.default(() => fieldDefault.value()),
        { default: { json: fieldDefault.json } },
      );
    }
    shape[field.name] = field.doc === undefined ? schema : schema.describe(field.doc);
  }
  const object = ctx.options.noUndeclaredFields ? z.strictObject(shape) : z.object(shape);
  return tag(object, { name: node.name, ...(node.doc === undefined ? {} : { doc: node.doc }) });
}

function convert(node: AvroNode, path: readonly string[], ctx: Context): z.ZodType {
  const cached = ctx.named.get(node);
  if (cached !== undefined) return cached;
  switch (node.kind) {
    case 'null':
      return z.null();
    case 'boolean':
      return z.boolean();
    case 'int':
      return tag(z.int32(), { avroType: 'int', ...(node.logical ? { logical: node.logical } : {}) });
    case 'long':
      return tag(z.int().min(AVRO_LONG_MIN).max(AVRO_LONG_MAX), {
        avroType: 'long',
        ...(node.logical ? { logical: node.logical } : {}),
      });
    case 'float':
    case 'double': {
      const number = ctx.options.nonFiniteFloats
        ? z.custom<number>((value) => typeof value === 'number', {
            message: 'Invalid input: expected number',
          })
        : z.number();
      return tag(number, { avroType: node.kind, ...(node.logical ? { logical: node.logical } : {}) });
    }
    case 'string':
      // avsc itself accepts any string for `uuid`; checking the format here is deliberate.
      if (node.logical?.logicalType === 'uuid') return z.uuid();
      return node.logical ? tag(z.string(), { logical: node.logical }) : z.string();
    case 'bytes':
      return tag(
        buffer(() => true, 'Invalid input: expected Buffer'),
        {
          avroType: 'bytes',
          ...(node.logical ? { logical: node.logical } : {}),
        },
      );
    case 'timestamp-millis':
      // Valid Dates above -2^52 ms (year -140744) encode exactly as longs; ints need the int range.
      return node.underlying === 'long'
        ? z.date().min(new Date(AVRO_LONG_MIN))
        : tag(
            z.date().refine((d) => d.getTime() === (d.getTime() | 0), 'Date outside the Avro int range'),
            { avroType: 'int' },
          );
    case 'array':
      return z.array(convert(node.items, [...path, '[]'], ctx));
    case 'map':
      return z.record(z.string(), convert(node.values, [...path, '{}'], ctx));
    case 'union': {
      if (node.wrapped) {
        throw new SchemaConversionError(path, 'ambiguous union (avsc decodes it wrapped) is not supported');
      }
      const branches = node.branches.map((branch) => convert(branch, path, ctx));
      const [first, second] = branches;
      // `["null", T]`, the usual optional field, becomes T.nullable(); other orders stay unions so
      // that a round trip keeps the branch order (it decides the default's type).
      if (branches.length === 2 && node.branches[0]?.kind === 'null' && second !== undefined) {
        return second.nullable();
      }
      if (branches.length === 1 && first !== undefined) return first;
      return z.union(branches);
    }
    case 'enum':
    case 'fixed':
    case 'record': {
      if (ctx.inProgress.has(node)) {
        throw new SchemaConversionError(path, `recursive type ${node.name} is not supported`);
      }
      ctx.inProgress.add(node);
      let schema: z.ZodType;
      if (node.kind === 'record') {
        schema = record(node, path, ctx);
      } else if (node.kind === 'enum') {
        const [head, ...rest] = node.symbols;
        if (head === undefined) throw new SchemaConversionError(path, `enum ${node.name} has no symbols`);
        schema = tag(z.enum([head, ...rest]), { name: node.name, ...(node.doc ? { doc: node.doc } : {}) });
      } else {
        const size = node.size;
        schema = tag(
          buffer((b) => b.length === size, `Invalid input: expected Buffer of ${size} bytes`),
          {
            avroType: 'fixed',
            name: node.name,
            size,
            ...(node.logical ? { logical: node.logical } : {}),
          },
        );
      }
      ctx.inProgress.delete(node);
      ctx.named.set(node, schema);
      return schema;
    }
  }
}

/**
 * Derives a zod schema that accepts what avsc's `isValid` accepts for `schema` (parsed with the
 * project's `LOGICAL_TYPES`) and parses to the shape avsc decodes to.
 *
 * Deliberate differences from avsc: `uuid` strings must be RFC 9562 UUIDs (avsc takes any
 * string); `timestamp-millis` takes only a `Date` (avsc also takes epoch millis); float and double
 * reject non-finite numbers unless `nonFiniteFloats`; longs (and timestamp-millis)
 * below -2^52, which avsc accepts but decodes wrongly, are rejected (see {@link AVRO_LONG_MIN}). As in avsc, a field with a default may be
 * missing (zod fills in the default). Field docs become descriptions, the root record's doc its
 * description. Named types, number widths and raw defaults are kept in {@link avroZodMeta} so that
 * `zodToAvro` can give the schema back.
 *
 * @throws {SchemaConversionError} for recursive types, error records, wrapped (ambiguous) unions
 *   and registered logical types other than `timestamp-millis`.
 */
export function avroToZod(schema: Schema, options: AvroToZodOptions = {}): z.ZodType {
  const root = parseAvroSchema(schema);
  const result = convert(root, [], { options, named: new Map(), inProgress: new Set() });
  return root.kind === 'record' && root.doc !== undefined ? result.describe(root.doc) : result;
}
