import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aggregateWindows, mergeAggregate } from '../../processors/windows/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { rollupKey, rollupsProjection } from '../../projections/rollups/index.ts';
import type { ReadingAggregate, SensorReading } from '../../schemas/index.ts';
import { WINDOW_SIZES } from '../../schemas/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.UTC(2016, 2, 1);
const METERS = [
  { meterId: 'B1:e1', buildingId: 'B1', meterKind: 'electricity', unit: 'kWh' },
  { meterId: 'B1:e2', buildingId: 'B1', meterKind: 'electricity', unit: 'kWh' },
  { meterId: 'B2:g', buildingId: 'B2', meterKind: 'gas', unit: 'm3' },
] as const;

/** Readings over three days, some arriving hours or days late, so revisions, corrections and deltas all occur. */
const arrivalsArb = fc
  .array(
    fc.record({
      meter: fc.nat(METERS.length - 1),
      slot: fc.nat(3 * 24 * 4),
      value: fc.integer({ min: 0, max: 500 }),
      delayHours: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 })),
    }),
    { minLength: 10, maxLength: 120 },
  )
  .map((specs) =>
    specs
      .map(({ meter, slot, value, delayHours }, i) => {
        const m = METERS[meter] ?? METERS[0];
        const reading: SensorReading = {
          ...m,
          eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          occurredAt: new Date(START + slot * 15 * MIN),
          source: 'test',
          value,
        };
        return { reading, arrival: reading.occurredAt.getTime() + delayHours * HOUR, i };
      })
      .sort((a, b) => a.arrival - b.arrival || a.i - b.i)
      .map((x) => x.reading),
  );

const expected = (aggregates: readonly ReadingAggregate[]) => {
  const stored = new Map<string, ReadingAggregate>();
  for (const a of aggregates) stored.set(rollupKey(a), mergeAggregate(stored.get(rollupKey(a)), a));
  return stored;
};

describe('rollups projection on PostgreSQL', () => {
  const schema = `test_rollups_${randomBytes(3).toString('hex')}`;
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('endpoints').postgresUrl, max: 2 });
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  async function inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  it('its DDL can run twice', async () => {
    await inTransaction((c) => c.query(rollupsProjection.ddl({ timescale: false })).then(() => undefined));
    await inTransaction((c) => c.query(rollupsProjection.ddl({ timescale: false })).then(() => undefined));
  });

  it('folding the aggregate stream in any batch split stores what mergeAggregate says, window for window', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivalsArb,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1 }),
        async (arrivals, cuts) => {
          const aggregates = await lastValueFrom(
            from(arrivals).pipe(
              aggregateWindows({
                windowSizes: WINDOW_SIZES,
                scope: 'both',
                maxOutOfOrderMs: 30 * MIN,
                allowedLatenessMs: 2 * HOUR,
                correctionHorizonMs: 12 * HOUR,
              }),
              toArray(),
            ),
          );
          await inTransaction((c) => c.query('TRUNCATE rollups').then(() => undefined));
          let at = 0;
          let cut = 0;
          while (at < aggregates.length) {
            const size = cuts[cut++ % cuts.length] ?? 1;
            const batch = aggregates.slice(at, at + size);
            let changes = rollupsProjection.initial();
            batch.forEach((event, i) => {
              const positioned: ProjectionEvent<'readingAggregates'> = {
                topic: 'readingAggregates',
                event,
                partition: 0,
                offset: String(at + i),
              };
              changes = rollupsProjection.evolve(changes, positioned);
            });
            await inTransaction((c) => rollupsProjection.apply(c, changes));
            at += size;
          }
          const { rows } = await pool.query<{
            building_id: string;
            meter_id: string;
            meter_kind: string;
            unit: string;
            window_size: string;
            window_start: Date;
            sum: number;
            count: number;
            min: number;
            max: number;
            mean: number;
          }>(`SELECT * FROM ${schema}.rollups`);
          const want = expected(aggregates);
          expect(rows).toHaveLength(want.size);
          for (const row of rows) {
            const key = [
              row.building_id,
              row.meter_id,
              row.meter_kind,
              row.unit,
              row.window_size,
              row.window_start.getTime(),
            ].join('\u0000');
            const w = want.get(key);
            expect(w, key).toBeDefined();
            expect({ sum: row.sum, count: row.count, min: row.min, max: row.max }).toEqual({
              sum: w?.sum,
              count: w?.count,
              min: w?.min,
              max: w?.max,
            });
            expect(row.mean).toBeCloseTo(w?.mean ?? Number.NaN, 9);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a delta of a window stored by an earlier batch adds to it, and a stale revision changes nothing', async () => {
    await inTransaction((c) => c.query('TRUNCATE rollups').then(() => undefined));
    const base: ReadingAggregate = {
      eventId: '00000000-0000-4000-8000-000000000001',
      occurredAt: new Date(START + HOUR),
      source: 'test',
      buildingId: 'B1',
      meterId: 'B1:e1',
      meterKind: 'electricity',
      unit: 'kWh',
      windowSize: 'PT1H',
      windowStart: new Date(START),
      windowEnd: new Date(START + HOUR),
      sum: 10,
      mean: 5,
      min: 4,
      max: 6,
      count: 2,
      revision: 1,
      isCorrection: false,
      traceContext: null,
    };
    const apply = async (event: ReadingAggregate, offset: string) =>
      inTransaction((c) =>
        rollupsProjection.apply(
          c,
          rollupsProjection.evolve(rollupsProjection.initial(), {
            topic: 'readingAggregates',
            event,
            partition: 0,
            offset,
          }),
        ),
      );
    await apply(base, '1');
    await apply({ ...base, revision: 0, sum: 99, eventId: '00000000-0000-4000-8000-000000000002' }, '2');
    await apply(
      {
        ...base,
        revision: -1,
        isCorrection: true,
        sum: 9,
        mean: 9,
        min: 9,
        max: 9,
        count: 1,
        eventId: '00000000-0000-4000-8000-000000000003',
      },
      '3',
    );
    const { rows } = await pool.query(
      `SELECT sum, count, min, max, mean, revision, corrected FROM ${schema}.rollups_1h`,
    );
    expect(rows).toEqual([{ sum: 19, count: 3, min: 4, max: 9, mean: 19 / 3, revision: 1, corrected: true }]);
  });
});
