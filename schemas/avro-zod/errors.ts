import { EaioError } from '../../infra/errors/index.ts';

/**
 * A schema that cannot be converted between Avro and zod. `path` names the offending place
 * (field names, and `[]` / `{}` for array items and map values) so the message points at the
 * construct to change rather than at the whole schema.
 */
export class SchemaConversionError extends EaioError {
  override readonly name = 'SchemaConversionError';
  readonly path: readonly string[];

  constructor(path: readonly string[], message: string, cause?: unknown) {
    const where = path.length === 0 ? '<root>' : path.join('.');
    super('INVALID_ARGUMENT', 'permanent', `${where}: ${message}`, {
      cause,
      context: { path: [...path] },
    });
    this.path = [...path];
  }
}
