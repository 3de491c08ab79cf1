import type pg from 'pg';
import { EaioError } from '../infra/errors/index.ts';
import { isStorageFull, type RetryOptions, storageFull, withRetry } from '../infra/resilience/index.ts';

/**
 * How often and how patiently a consumer retries a sink (and the registry) before failing its
 * batch: about 6 s of back-off in all, short enough that a longer outage is left to redelivery.
 */
export const SINK_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 100, maxDelayMs: 3_000 };

/**
 * A failed sink write as a transient EAIO error, so it is retried and the batch redelivered rather
 * than anything dead-lettered; an EAIO error keeps its own classification. A store out of space is
 * `STORAGE_FULL` (see `storageFull`), so logs and health checks say what to free.
 */
export function sinkUnavailable(
  error: unknown,
  sink: string,
  context: Readonly<Record<string, unknown>> = {},
): EaioError {
  if (error instanceof EaioError) return error;
  if (isStorageFull(error)) {
    const full = storageFull(sink === 'redis' ? 'redis' : 'postgres', error);
    return new EaioError(full.code, full.kind, full.message, {
      cause: error,
      context: { ...full.context, sink, ...context },
    });
  }
  return new EaioError('SINK_UNAVAILABLE', 'transient', `${sink} write failed: ${(error as Error).message}`, {
    cause: error,
    context: { sink, ...context },
  });
}

/** What {@link inSinkTransaction} names in its errors. */
export interface SinkTransactionOptions {
  /** The store the transaction writes for, e.g. `postgres`, or `redis` for a Redis write and its offsets. */
  readonly sink: string;
  /** Extra context of the errors, e.g. the projection. */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * `false` commits without waiting for the WAL flush (`SET LOCAL synchronous_commit TO off`, sent
   * with the BEGIN): only for work whose tail may be lost in a Postgres crash because it is done
   * again from the log, e.g. rows stored with the offsets they were read up to. True by default.
   */
  readonly synchronousCommit?: boolean;
}

/**
 * Runs `work` in one Postgres transaction with {@link SINK_RETRY}: a failed attempt is rolled back
 * and retried whole on a fresh connection; the last failure is thrown as {@link sinkUnavailable}.
 */
export function inSinkTransaction<T>(
  pool: pg.Pool,
  options: SinkTransactionOptions,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withRetry(async () => {
    const client = await pool.connect().catch((error: unknown) => {
      throw sinkUnavailable(error, 'postgres', options.context);
    });
    try {
      await client.query(
        options.synchronousCommit === false ? 'BEGIN; SET LOCAL synchronous_commit TO off' : 'BEGIN',
      );
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw sinkUnavailable(error, options.sink, options.context);
    } finally {
      client.release();
    }
  }, SINK_RETRY);
}
