import type { Schema } from 'avsc';
import type { AvroLogicalAnnotation, AvroNode } from './avro-model.ts';
import { parseAvroSchema } from './avro-model.ts';

type CanonicalJson = string | CanonicalJson[] | { [key: string]: unknown };

function logicalAttrs(logical: AvroLogicalAnnotation | undefined): Record<string, unknown> {
  if (logical === undefined) return {};
  const sorted: Record<string, unknown> = { logicalType: logical.logicalType };
  for (const key of Object.keys(logical.attrs).sort()) sorted[key] = logical.attrs[key];
  return sorted;
}

function canonical(node: AvroNode, defined: Set<string>): CanonicalJson {
  switch (node.kind) {
    case 'null':
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
    case 'bytes':
      return node.logical === undefined ? node.kind : { type: node.kind, ...logicalAttrs(node.logical) };
    case 'timestamp-millis':
      return { type: node.underlying, logicalType: 'timestamp-millis' };
    case 'array':
      return { type: 'array', items: canonical(node.items, defined) };
    case 'map':
      return { type: 'map', values: canonical(node.values, defined) };
    case 'union':
      return node.branches.map((branch) => canonical(branch, defined));
    case 'enum':
    case 'fixed':
    case 'record': {
      // As in the Parsing Canonical Form, a named type is written out once and then referenced.
      if (defined.has(node.name)) return node.name;
      defined.add(node.name);
      if (node.kind === 'enum') return { name: node.name, type: 'enum', symbols: [...node.symbols] };
      if (node.kind === 'fixed') {
        return { name: node.name, type: 'fixed', size: node.size, ...logicalAttrs(node.logical) };
      }
      return {
        name: node.name,
        type: node.isError ? 'error' : 'record',
        fields: node.fields.map((field) => ({ name: field.name, type: canonical(field.type, defined) })),
      };
    }
  }
}

/**
 * The Avro Parsing Canonical Form of `schema` (full names, only `name`, `type`, `fields`,
 * `symbols`, `items`, `values` and `size`, in that order), extended with logical types and their
 * attributes, which the plain form drops although they change the decoded value (`Date` vs number).
 *
 * Two schemas with the same form have the same fields, types, order, names and symbols. The form
 * ignores docs, field defaults, aliases, field `order`, how namespaces are spelled (only resolved
 * full names count) and attribute order or layout.
 */
export function avroCanonicalForm(schema: Schema): string {
  return JSON.stringify(canonical(parseAvroSchema(schema), new Set()));
}

/** True when `a` and `b` have the same {@link avroCanonicalForm}. */
export function avroSchemasEquivalent(a: Schema, b: Schema): boolean {
  return avroCanonicalForm(a) === avroCanonicalForm(b);
}
