import pg from 'pg';

export interface PoolOptions {
  readonly url: string;
  readonly max?: number;
  readonly applicationName?: string;
  /** Schema that unqualified table names resolve to (the read models' schema). */
  readonly schema?: string;
}

/** A pg pool; callers own its lifetime and end it on shutdown. */
export function createPool({ url, max = 10, applicationName = 'eaio', schema }: PoolOptions): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
}
