import { z } from 'zod';
import type { AvroLogicalAnnotation } from './avro-model.ts';

/**
 * What a zod schema cannot say about its Avro origin but a round trip needs: named type names,
 * the Avro number width, logical annotations avsc ignores, and defaults as written in the schema.
 */
export interface AvroZodMeta {
  /** Full name of a record, enum or fixed type. */
  readonly name?: string;
  /** Doc of the named type itself (a field's doc is the zod description). */
  readonly doc?: string;
  readonly avroType?: 'int' | 'long' | 'float' | 'double' | 'bytes' | 'fixed';
  readonly size?: number;
  readonly logical?: AvroLogicalAnnotation;
  /** On a `.default()` wrapper: the Avro JSON default, which may differ from the decoded value. */
  readonly default?: { readonly json: unknown };
}

/**
 * Registry `avroToZod` fills and `zodToAvro` reads. A separate registry, not `.meta()`, so that
 * JSON Schemas generated for tool inputs do not carry Avro internals. zod copies entries to clones
 * made by `.describe()` and the like.
 */
export const avroZodMeta = z.registry<AvroZodMeta>();
