// Test support only: fast-check is a devDependency, so this module is imported by tests and
// benchmarks directly and is deliberately not exported from ./index.ts or schemas/index.ts.
import type { Schema } from 'avsc';
import fc from 'fast-check';
import type { AvroNode } from './avro-model.ts';
import { parseAvroSchema } from './avro-model.ts';
import { AVRO_LONG_MAX, AVRO_LONG_MIN } from './avro-to-zod.ts';
import { SchemaConversionError } from './errors.ts';

export interface ArbitraryFromAvroOptions {
  /** Longest array, map and string generated. Default 5 / 5 / 20. */
  readonly maxLength?: number;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function build(
  node: AvroNode,
  path: readonly string[],
  inProgress: Set<AvroNode>,
  max: number,
): fc.Arbitrary<unknown> {
  const buffer = (minLength: number, maxLength: number) =>
    fc.uint8Array({ minLength, maxLength }).map((bytes) => Buffer.from(bytes));
  switch (node.kind) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.integer({ min: INT_MIN, max: INT_MAX });
    case 'long':
      return fc.integer({ min: AVRO_LONG_MIN, max: AVRO_LONG_MAX });
    case 'float':
      // Only float32 values come back unchanged from a 4-byte float; non-finite ones are left out
      // as the derived zod schemas reject them by default.
      return fc.float({ noNaN: true, noDefaultInfinity: true });
    case 'double':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'string':
      if (node.logical?.logicalType === 'uuid') return fc.uuid();
      // 'binary' never yields lone surrogates, which UTF-8 encoding would replace.
      return fc.string({ unit: 'binary', maxLength: max * 4 });
    case 'bytes':
      return buffer(0, max * 4);
    case 'fixed':
      return buffer(node.size, node.size);
    case 'timestamp-millis':
      return node.underlying === 'long'
        ? fc.date({ noInvalidDate: true, min: new Date(AVRO_LONG_MIN) })
        : fc.integer({ min: INT_MIN, max: INT_MAX }).map((ms) => new Date(ms));
    case 'enum':
      return fc.constantFrom(...node.symbols);
    case 'array':
      return fc.array(build(node.items, [...path, '[]'], inProgress, max), { maxLength: max });
    case 'map':
      return fc.dictionary(
        // avsc decodes maps into plain objects, where `__proto__` would not be an own key.
        fc.string({ unit: 'binary', maxLength: 8 }).filter((key) => key !== '__proto__'),
        build(node.values, [...path, '{}'], inProgress, max),
        { maxKeys: max, noNullPrototype: true },
      );
    case 'union':
      return fc.oneof(...node.branches.map((branch) => build(branch, path, inProgress, max)));
    case 'record': {
      if (inProgress.has(node)) {
        throw new SchemaConversionError(path, `recursive type ${node.name} is not supported`);
      }
      inProgress.add(node);
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of node.fields) {
        fields[field.name] = build(field.type, [...path, field.name], inProgress, max);
      }
      inProgress.delete(node);
      return fc.record(fields, { noNullPrototype: true });
    }
  }
}

/**
 * Random values valid for `schema`, in the shape avsc decodes to (`Date` for timestamp-millis,
 * UUID strings for uuid, `Buffer` for bytes and fixed). Every field is present, so values survive
 * an encode/decode round trip unchanged.
 *
 * @throws {SchemaConversionError} for recursive types.
 */
export function arbitraryFromAvro(
  schema: Schema,
  options: ArbitraryFromAvroOptions = {},
): fc.Arbitrary<unknown> {
  return build(parseAvroSchema(schema), [], new Set(), options.maxLength ?? 5);
}
