import avro from 'avsc';

/** One reason a reader schema cannot read data written with a writer schema, at a field path. */
export interface Incompatibility {
  /** Dotted field path from the record root, e.g. `value` or `traceContext.traceparent`; empty for the root. */
  readonly path: string;
  readonly message: string;
}

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function describe(type: avro.Type): string {
  return type.name ?? String(type.typeName);
}

/** Whether avsc can build a resolver, i.e. whether `reader` can read what `writer` wrote. */
function resolves(reader: avro.Type, writer: avro.Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

/**
 * Explains why `reader` cannot read data written with `writer`, field by field, following the
 * Avro schema resolution rules (as avsc's resolvers apply them). An empty list means compatible.
 * The registry gives the verdict; this names the fields, which registries often do not.
 */
export function findIncompatibilities(reader: avro.Type, writer: avro.Type, path = ''): Incompatibility[] {
  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    const problems: Incompatibility[] = [];
    for (const field of reader.fields) {
      const names = [field.name, ...field.aliases];
      const written = writer.fields.find((w) => names.includes(w.name));
      const fieldPath = join(path, field.name);
      if (written === undefined) {
        if (field.defaultValue() === undefined) {
          problems.push({
            path: fieldPath,
            message: `field '${fieldPath}' has no default and is missing from the writer schema, so existing data cannot be read`,
          });
        }
        continue;
      }
      problems.push(...findIncompatibilities(field.type, written.type, fieldPath));
    }
    return problems;
  }
  if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
    const missing = writer.symbols.filter((s) => !reader.symbols.includes(s));
    const hasDefault = (reader.schema() as { default?: string }).default !== undefined;
    return missing.length === 0 || hasDefault
      ? []
      : [
          {
            path,
            message: `enum '${path || describe(reader)}' lacks the written symbol(s) ${missing.join(', ')}`,
          },
        ];
  }
  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
    return findIncompatibilities(reader.itemsType, writer.itemsType, `${path}[]`);
  }
  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
    return findIncompatibilities(reader.valuesType as avro.Type, writer.valuesType as avro.Type, `${path}{}`);
  }
  if (resolves(reader, writer)) return [];
  return [
    {
      path,
      message: `field '${path}' changed type: data written as ${describe(writer)} cannot be read as ${describe(reader)}`,
    },
  ];
}

export type CompatibilityLevel = 'BACKWARD' | 'FORWARD' | 'FULL' | 'NONE';

/**
 * Checks a candidate schema against the latest registered one under a registry compatibility level:
 * BACKWARD (the new schema reads old data), FORWARD (old readers read new data), FULL (both).
 */
export function checkCompatibility(
  candidate: avro.Type,
  registered: avro.Type,
  level: CompatibilityLevel,
): Incompatibility[] {
  const backward = () =>
    findIncompatibilities(candidate, registered).map((p) => ({
      ...p,
      message: `new schema cannot read old data: ${p.message}`,
    }));
  const forward = () =>
    findIncompatibilities(registered, candidate).map((p) => ({
      ...p,
      message: `old readers cannot read new data: ${p.message}`,
    }));
  switch (level) {
    case 'BACKWARD':
      return backward();
    case 'FORWARD':
      return forward();
    case 'FULL':
      return [...backward(), ...forward()];
    case 'NONE':
      return [];
  }
}
