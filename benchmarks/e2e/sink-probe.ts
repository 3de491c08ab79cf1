import pg from 'pg';
import { percentile } from '../percentile.ts';

/** Round trips of one probe transaction: BEGIN, a read, a 500-row upsert, an update, COMMIT. */
export const PROBE_ROUND_TRIPS = 5;
const PROBE_ROWS = 500;

/**
 * The median time (ms) of a transaction shaped like a projector batch on a connection to `url`:
 * BEGIN, a read, a 500-row upsert from arrays into a temporary table, an update, COMMIT. It tells
 * how much slower the sink is through a proxy than directly.
 */
export async function probeSinkMs(url: string, runs = 7): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'CREATE TEMPORARY TABLE sink_probe (id text PRIMARY KEY, value double precision, n integer)',
    );
    const ids = Array.from({ length: PROBE_ROWS }, (_, i) => `meter-${i}`);
    const values = ids.map((_, i) => i / 7);
    const times: number[] = [];
    for (let run = 0; run < runs + 1; run++) {
      const started = performance.now();
      await client.query('BEGIN');
      await client.query('SELECT count(*) FROM sink_probe');
      await client.query(
        `INSERT INTO sink_probe (id, value, n) SELECT id, value, 1 FROM unnest($1::text[], $2::float8[]) AS u(id, value)
         ON CONFLICT (id) DO UPDATE SET value = excluded.value, n = sink_probe.n + 1`,
        [ids, values],
      );
      await client.query('UPDATE sink_probe SET n = n + 1 WHERE id = $1', [ids[0]]);
      await client.query('COMMIT');
      // The first run warms the plan cache and the table's pages.
      if (run > 0) times.push(performance.now() - started);
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  } finally {
    await client.end();
  }
}

/** `url` with its host and port replaced, for a client to go through a proxy. */
export function throughProxy(url: string, proxy: { readonly host: string; readonly port: number }): string {
  const parsed = new URL(url);
  parsed.hostname = proxy.host;
  parsed.port = String(proxy.port);
  return parsed.toString();
}
