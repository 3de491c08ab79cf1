import { EaioError } from '../errors/index.ts';
import { describeFailure } from '../health/index.ts';
import { DEPENDENCY_LABELS, type Dependency } from './dependency-errors.ts';

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

/**
 * A store refusing writes for want of space: PostgreSQL's `disk_full` (SQLSTATE 53100, "could not
 * extend file ...: No space left on device"), a broker's `KAFKA_STORAGE_ERROR` (its log directory
 * failed, typically full), or a local `ENOSPC`.
 */
function isStorageFullItself(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = field(error, 'code');
  if (code === '53100' || code === 'ENOSPC') return true;
  if (field(error, 'type') === 'KAFKA_STORAGE_ERROR') return true;
  return error instanceof Error && /No space left on device/.test(error.message);
}

/** True when `error` or one of its causes says a store is out of space (see {@link storageFull}). */
export function isStorageFull(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current) && seen.size < 16) {
    seen.add(current);
    if (isStorageFullItself(current)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/**
 * A store out of space as a transient `STORAGE_FULL` EaioError naming it: transient because the
 * write succeeds once space is freed, so the work is retried and redelivered, never dead-lettered.
 * The message says what an operator must do, e.g. `PostgreSQL is out of disk space: writes are
 * refused until space is freed (could not extend file ...: No space left on device)`.
 */
export function storageFull(dependency: Dependency, error: unknown): EaioError {
  const what =
    dependency === 'kafka'
      ? 'Kafka is not accepting writes: a log directory is full or failed'
      : `${DEPENDENCY_LABELS[dependency]} is out of disk space: writes are refused until space is freed`;
  return new EaioError('STORAGE_FULL', 'transient', `${what} (${describeFailure(error)})`, {
    cause: error,
    context: { dependency },
  });
}
