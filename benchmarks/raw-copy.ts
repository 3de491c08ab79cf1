import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SensorReading } from '../schemas/index.ts';

/** The readings table's columns, in the order {@link copyLine} writes them. */
const COPY_COLUMNS =
  'meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset';

/** One reading as a line of `COPY ... FROM STDIN` text format, at log position `offset`. */
export const copyLine = (r: SensorReading, offset: number): string =>
  `${[
    r.meterId,
    r.occurredAt.toISOString(),
    r.buildingId,
    r.meterKind,
    r.value,
    r.unit,
    r.eventId,
    r.source,
    0,
    offset,
  ].join('\t')}\n`;

/**
 * An unlogged table with the readings table's columns and natural key, in the connection's
 * `search_path`: the cheapest place Postgres can put the same rows, so COPY into it is the ceiling
 * of any writer of the readings read model.
 */
export async function createUnloggedCopyTable(client: pg.ClientBase, table: string): Promise<void> {
  await client.query(
    `CREATE UNLOGGED TABLE ${table} (
       meter_id text NOT NULL, occurred_at timestamptz NOT NULL, building_id text NOT NULL,
       meter_kind text NOT NULL, value double precision NOT NULL, unit text NOT NULL,
       event_id text NOT NULL, source text NOT NULL, source_partition integer NOT NULL,
       source_offset bigint NOT NULL, PRIMARY KEY (meter_id, occurred_at))`,
  );
}

/**
 * `COPY table FROM STDIN` of `readings` in 1,000-row chunks; resolves with the seconds it took.
 * The table must have the readings columns (e.g. from {@link createUnloggedCopyTable}).
 */
export async function copyReadings(
  client: pg.ClientBase,
  table: string,
  readings: readonly SensorReading[],
): Promise<number> {
  const started = performance.now();
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < readings.length; i += 1_000) {
          yield readings
            .slice(i, i + 1_000)
            .map((r, j) => copyLine(r, i + j))
            .join('');
        }
      })(),
    ),
    client.query(copyFrom(`COPY ${table} (${COPY_COLUMNS}) FROM STDIN`)),
  );
  return (performance.now() - started) / 1000;
}
