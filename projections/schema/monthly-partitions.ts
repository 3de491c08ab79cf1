import pg from 'pg';

const pad = (n: number): string => String(n).padStart(2, '0');

/** First instant (UTC) of the month of each time, without repeats, in time order. */
export function monthsOf(times: Iterable<Date>): Date[] {
  const months = new Map<number, Date>();
  for (const t of times) {
    const start = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
    if (!months.has(start)) months.set(start, new Date(start));
  }
  return [...months.values()].sort((a, b) => a.getTime() - b.getTime());
}

/** Name of the partition of `table` that holds `month`: `<table>_p<yyyy><mm>`. */
export function monthlyPartitionName(table: string, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}${pad(month.getUTCMonth() + 1)}`;
}

/**
 * Creates the monthly partitions of a `PARTITION BY RANGE (<time>)` table that the given months
 * need and that do not exist yet, in the caller's transaction and schema (`search_path`).
 * Concurrency-safe: creators of one partition serialise on a transaction-scoped advisory lock and
 * `IF NOT EXISTS` lets the later one through once the first committed. Existing partitions cost one
 * catalogue lookup and take no lock.
 */
export async function ensureMonthlyPartitions(
  client: pg.ClientBase,
  table: string,
  months: readonly Date[],
): Promise<void> {
  if (months.length === 0) return;
  const names = months.map((m) => monthlyPartitionName(table, m));
  const { rows } = await client.query<{ name: string }>(
    'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL',
    [names],
  );
  const missing = new Set(rows.map((r) => r.name));
  for (const month of months) {
    const name = monthlyPartitionName(table, month);
    if (!missing.has(name)) continue;
    const end = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
    await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || $1))", [name]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${pg.escapeIdentifier(name)} PARTITION OF ${pg.escapeIdentifier(table)}
         FOR VALUES FROM (${pg.escapeLiteral(month.toISOString())}) TO (${pg.escapeLiteral(end.toISOString())})`,
    );
  }
}

/**
 * {@link ensureMonthlyPartitions} for a table of schema `schema`, in a short transaction of its own
 * on `pool`, committed at once, so the exclusive lock that creating a partition takes on the parent
 * is not held through a longer transaction's writes. Costs one lookup, and no transaction, when
 * every partition exists already.
 */
export async function ensureMonthlyPartitionsNow(
  pool: pg.Pool,
  schema: string,
  table: string,
  months: readonly Date[],
): Promise<void> {
  if (months.length === 0) return;
  const qualified = (month: Date) =>
    `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(monthlyPartitionName(table, month))}`;
  const { rows } = await pool.query<{ missing: boolean }>(
    'SELECT to_regclass(name) IS NULL AS missing FROM unnest($1::text[]) WITH ORDINALITY AS t(name, i) ORDER BY i',
    [months.map(qualified)],
  );
  const missing = months.filter((_, i) => rows[i]?.missing === true);
  if (missing.length === 0) return;
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}, public`);
    for (const month of missing) {
      const name = monthlyPartitionName(table, month);
      const end = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || $1))", [name]);
      const { rows: exists } = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
      if (exists[0]?.exists === true) continue;
      // Created apart and attached: ATTACH PARTITION locks the parent SHARE UPDATE EXCLUSIVE, which
      // inserts into it do not wait for, where CREATE TABLE ... PARTITION OF locks it exclusively.
      await client.query(
        `CREATE TABLE ${pg.escapeIdentifier(name)} (LIKE ${pg.escapeIdentifier(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
      );
      await client.query(
        `ALTER TABLE ${pg.escapeIdentifier(table)} ATTACH PARTITION ${pg.escapeIdentifier(name)}
           FOR VALUES FROM (${pg.escapeLiteral(month.toISOString())}) TO (${pg.escapeLiteral(end.toISOString())})`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
