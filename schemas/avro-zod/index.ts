// `arbitrary-from-avro.ts` is left out on purpose: it needs fast-check, a devDependency.
export type { AvroZodMeta } from './avro-meta.ts';
export { avroZodMeta } from './avro-meta.ts';
export type { AvroToZodOptions } from './avro-to-zod.ts';
export { AVRO_LONG_MAX, AVRO_LONG_MIN, avroToZod } from './avro-to-zod.ts';
export { avroCanonicalForm, avroSchemasEquivalent } from './canonical.ts';
export { SchemaConversionError } from './errors.ts';
export type { ZodToAvroOptions } from './zod-to-avro.ts';
export { zodToAvro } from './zod-to-avro.ts';
