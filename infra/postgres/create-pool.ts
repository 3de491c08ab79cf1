import pg from 'pg';

export interface PoolOptions {
  readonly url: string;
  readonly max?: number;
  readonly applicationName?: string;
  /** Schema that unqualified table names resolve to (the read models' schema). */
  readonly schema?: string;
}

/**
 * A pg pool; callers own its lifetime and end it on shutdown.
 *
 * Every connection gets an `error` listener for its whole life. The pool listens only while a
 * client is idle; a checked-out client whose server dies between two queries (a projector awaiting
 * its Redis writes inside a transaction when PostgreSQL is killed) emits `error` with no listener,
 * which ends the process. The failure still reaches the holder: its next query rejects, and the
 * client is dropped from the pool on release.
 */
export function createPool({ url, max = 10, applicationName = 'eaio', schema }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
