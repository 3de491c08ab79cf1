import avro from 'avsc';

/**
 * avsc leaves `timestamp-millis` as a plain number unless told otherwise; this maps it to `Date`
 * both ways so event time is typed as time everywhere in the code base.
 */
export class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(value: number): Date {
    return new Date(value);
  }

  protected override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    return typeof value === 'number' ? value : undefined;
  }

  protected override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) {
      return (value) => value;
    }
    return undefined;
  }
}

/** Logical types passed to every avsc parse in the project. */
export const LOGICAL_TYPES = { 'timestamp-millis': TimestampMillisType } as const;
