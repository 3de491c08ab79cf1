import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { readingsProjection } from '../projections/readings/index.ts';
import { ensureMonthlyPartitions, monthsOf } from '../projections/schema/index.ts';
import type { SensorReading } from '../schemas/index.ts';
import { HOUR_MS } from '../schemas/index.ts';
import { percentile } from './percentile.ts';
import { copyReadings } from './raw-copy.ts';

export interface SinkFigures {
  readonly rows: number;
  readonly batchSize: number;
  readonly writerRowsPerS: number;
  readonly writerBatchP50Ms: number;
  readonly writerBatchP99Ms: number;
  readonly rewriteRowsPerS: number;
  readonly copyRowsPerS: number;
  readonly writerVsCopy: number;
}

/** `meters` meters with hourly readings, interleaved by hour as the log delivers them. */
function readingsFor(total: number, meters: number): SensorReading[] {
  const start = Date.UTC(2016, 0, 1);
  return Array.from({ length: total }, (_, i) => {
    const meter = i % meters;
    return {
      eventId: randomUUID(),
      occurredAt: new Date(start + Math.floor(i / meters) * HOUR_MS),
      source: 'bench',
      buildingId: `B${Math.floor(meter / 2)}`,
      meterId: `B${Math.floor(meter / 2)}:m${meter % 2}`,
      meterKind: 'electricity',
      value: (i % 997) + 0.25,
      unit: 'kWh',
    };
  });
}

/**
 * `npm run bench -- sink`: rows/s of the readings projection's Postgres writer (evolve + the
 * `INSERT ... SELECT FROM unnest` upserts, one transaction per batch as the projector runs it), then
 * of the same writer re-applying the same rows (the replay case: every row conflicts), against a
 * raw `COPY FROM STDIN` of the same rows into an identical table in the same run: the ceiling.
 */
export async function sinkBenchmark(
  _config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<SinkFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '200000' },
      meters: { type: 'string', default: '3053' },
      batch: { type: 'string', default: '1000' },
    },
  });
  const total = Number(values.rows);
  const batchSize = Number(values.batch);
  const schema = `bench_sink_${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: endpoints.postgresUrl, max: 2 });
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(readingsProjection.ddl({ timescale: false }));
    const readings = readingsFor(total, Number(values.meters));

    const writeAll = async (): Promise<{ seconds: number; batchMs: number[] }> => {
      const batchMs: number[] = [];
      const started = performance.now();
      for (let at = 0; at < readings.length; at += batchSize) {
        const t0 = performance.now();
        let changes = readingsProjection.initial();
        readings.slice(at, at + batchSize).forEach((event, i) => {
          changes = readingsProjection.evolve(changes, {
            topic: 'sensorReadings',
            event,
            partition: 0,
            offset: String(at + i),
          });
        });
        await client.query('BEGIN');
        await readingsProjection.apply(client, changes);
        await client.query('COMMIT');
        batchMs.push(performance.now() - t0);
      }
      return { seconds: (performance.now() - started) / 1000, batchMs };
    };
    const first = await writeAll();
    const again = await writeAll();

    await client.query(
      'CREATE TABLE readings_copy (LIKE readings INCLUDING ALL) PARTITION BY RANGE (occurred_at)',
    );
    await ensureMonthlyPartitions(client, 'readings_copy', monthsOf(readings.map((r) => r.occurredAt)));
    const copySeconds = await copyReadings(client, 'readings_copy', readings);
    const { rows } = await client.query<{ a: string; b: string }>(
      'SELECT (SELECT count(*) FROM readings) AS a, (SELECT count(*) FROM readings_copy) AS b',
    );
    if (Number(rows[0]?.a) !== total || Number(rows[0]?.b) !== total) {
      throw new Error(`row counts differ: writer ${rows[0]?.a}, copy ${rows[0]?.b}, expected ${total}`);
    }
    const sorted = [...first.batchMs].sort((a, b) => a - b);
    const writerRowsPerS = Math.round(total / first.seconds);
    const copyRowsPerS = Math.round(total / copySeconds);
    return {
      rows: total,
      batchSize,
      writerRowsPerS,
      writerBatchP50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
      writerBatchP99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
      rewriteRowsPerS: Math.round(total / again.seconds),
      copyRowsPerS,
      writerVsCopy: Math.round((writerRowsPerS / copyRowsPerS) * 1000) / 1000,
    };
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    client.release();
    await pool.end();
  }
}
