import { EaioError } from '../infra/errors/index.ts';

/**
 * Where decoding failed: the 5-byte Confluent frame, the schema lookup, resolving the writer schema
 * into this code's reader schema, or the Avro payload.
 */
export type DecodePhase = 'framing' | 'schema-lookup' | 'resolve' | 'payload';

/** Bytes that cannot be decoded into an event. Poison unless the registry was merely unreachable. */
export class SchemaDecodeError extends EaioError {
  override readonly name = 'SchemaDecodeError';
  readonly phase: DecodePhase;
  readonly schemaId: number | undefined;

  constructor(
    code:
      | 'SCHEMA_FRAMING'
      | 'SCHEMA_UNKNOWN_ID'
      | 'SCHEMA_INCOMPATIBLE'
      | 'SCHEMA_PAYLOAD'
      | 'SCHEMA_REGISTRY_UNAVAILABLE',
    phase: DecodePhase,
    message: string,
    options: { schemaId?: number; cause?: unknown } = {},
  ) {
    super(code, code === 'SCHEMA_REGISTRY_UNAVAILABLE' ? 'transient' : 'poison', message, {
      cause: options.cause,
      context: { phase, schemaId: options.schemaId },
    });
    this.phase = phase;
    this.schemaId = options.schemaId;
  }
}

/** A decoded value whose Avro record is not the one its topic carries. */
export class UnexpectedEventTypeError extends EaioError {
  override readonly name = 'UnexpectedEventTypeError';

  constructor(expected: string, actual: string, schemaId: number) {
    super('EVENT_INVALID', 'poison', `Expected a ${expected} event but schema ${schemaId} is ${actual}`, {
      context: { expected, actual, schemaId },
    });
  }
}
