import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import type { AggregationScope, WindowAggregatorConfig, WindowKey } from '../../processors/windows/index.ts';
import {
  AGGREGATE_SOURCE,
  aggregateEventId,
  aggregateWindows,
  createWindowAggregator,
  DELTA_REVISION,
  deltaEventId,
  mergeAggregate,
  nextWatermark,
  resolveWindowOptions,
  statsOf,
  WINDOW_SIZE_MS,
  windowStartOf,
  windowsOf,
} from '../../processors/windows/index.ts';
import type {
  MeterKind,
  ReadingAggregate,
  ReadingUnit,
  SensorReading,
  WindowSize,
} from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A reading at `time` (HH:MM on 2015-01-01 UTC, or a full ISO string) of a meter of building B1. */
function reading(
  meterId: string,
  time: string,
  value: number,
  more: { buildingId?: string; meterKind?: MeterKind; unit?: ReadingUnit; eventId?: string } = {},
): SensorReading {
  return {
    eventId: more.eventId ?? `${meterId}@${time}=${value}`,
    occurredAt: new Date(time.length === 5 ? `2015-01-01T${time}:00Z` : time),
    source: 'test',
    buildingId: more.buildingId ?? 'B1',
    meterId,
    meterKind: more.meterKind ?? 'electricity',
    value,
    unit: more.unit ?? 'kWh',
  };
}

/** The aggregate the processor must emit for meter `meterId` of B1 (electricity, kWh) over `values`. */
function meterAggregate(p: {
  meterId?: string;
  size?: WindowSize;
  start: string;
  values: readonly number[];
  revision: number;
  isCorrection?: boolean;
  readingEventId?: string;
}): ReadingAggregate {
  const size = p.size ?? 'PT1H';
  const windowStart = Date.parse(`2015-01-01T${p.start}:00Z`);
  const k: WindowKey = {
    scope: 'meter',
    key: p.meterId ?? 'm1',
    buildingId: 'B1',
    meterId: p.meterId ?? 'm1',
    meterKind: 'electricity',
    unit: 'kWh',
    windowSize: size,
    windowStart,
    windowEnd: windowStart + WINDOW_SIZE_MS[size],
  };
  const sum = p.values.reduce((a, b) => a + b, 0);
  return {
    eventId:
      p.revision === DELTA_REVISION
        ? deltaEventId(k, p.readingEventId ?? '')
        : aggregateEventId(k, p.revision),
    occurredAt: new Date(k.windowEnd),
    source: AGGREGATE_SOURCE,
    buildingId: 'B1',
    meterId: k.meterId,
    meterKind: 'electricity',
    unit: 'kWh',
    windowSize: size,
    windowStart: new Date(k.windowStart),
    windowEnd: new Date(k.windowEnd),
    sum,
    mean: sum / p.values.length,
    min: Math.min(...p.values),
    max: Math.max(...p.values),
    count: p.values.length,
    revision: p.revision,
    isCorrection: p.isCorrection ?? false,
    traceContext: null,
  };
}

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const hourly = {
  windowSizes: ['PT1H'],
  scope: 'meter',
  maxOutOfOrderMs: 10 * MIN,
  allowedLatenessMs: 30 * MIN,
} as const;

function run(readings: readonly SensorReading[], options = {}): Promise<ReadingAggregate[]> {
  return lastValueFrom(from(readings).pipe(aggregateWindows({ ...hourly, ...options }), toArray()));
}

describe('window math', () => {
  it('aligns windows to UTC: start inclusive, end exclusive, P1D at UTC midnight, floor before 1970', () => {
    const t = Date.parse('2015-03-01T23:59:59.999Z');
    expect(new Date(windowStartOf(t, 'P1D')).toISOString()).toBe('2015-03-01T00:00:00.000Z');
    expect(new Date(windowStartOf(t + 1, 'P1D')).toISOString()).toBe('2015-03-02T00:00:00.000Z');
    expect(new Date(windowStartOf(t, 'PT15M')).toISOString()).toBe('2015-03-01T23:45:00.000Z');
    expect(windowStartOf(-1, 'PT1H')).toBe(-HOUR);
    expect(windowsOf(Date.parse('2015-03-01T10:15:00Z'), ['PT15M', 'PT1H'])).toEqual([
      {
        windowSize: 'PT15M',
        windowStart: Date.parse('2015-03-01T10:15:00Z'),
        windowEnd: Date.parse('2015-03-01T10:30:00Z'),
      },
      {
        windowSize: 'PT1H',
        windowStart: Date.parse('2015-03-01T10:00:00Z'),
        windowEnd: Date.parse('2015-03-01T11:00:00Z'),
      },
    ]);
  });

  it('moves the watermark to the largest event time minus the allowance, never back', () => {
    let time = { maxEventTime: Number.NEGATIVE_INFINITY, watermark: Number.NEGATIVE_INFINITY };
    time = nextWatermark(time, 100, 10);
    expect(time).toEqual({ maxEventTime: 100, watermark: 90 });
    time = nextWatermark(time, 50, 10);
    expect(time).toEqual({ maxEventTime: 100, watermark: 90 });
  });

  it('sums in canonical (occurredAt, meterId) order, so arrival order cannot change a bit', () => {
    // 1e16 + 1 rounds back to 1e16, so 1e16 + 1 + 1 and 1 + 1 + 1e16 differ.
    const entries = [
      { occurredAt: 2, meterId: 'a', value: 1e16 },
      { occurredAt: 1, meterId: 'b', value: 1 },
      { occurredAt: 1, meterId: 'a', value: 1 },
    ];
    const forward = statsOf(entries);
    expect(statsOf([...entries].reverse())).toEqual(forward);
    expect(forward).toEqual({ sum: 1e16 + 2, mean: (1e16 + 2) / 3, min: 1, max: 1e16, count: 3 });
  });

  it('pins the event id derivation: changing it would break idempotency against the existing log', () => {
    const k: WindowKey = {
      scope: 'meter',
      key: 'm1',
      buildingId: 'B1',
      meterId: 'm1',
      meterKind: 'electricity',
      unit: 'kWh',
      windowSize: 'PT1H',
      windowStart: Date.parse('2015-01-01T00:00:00Z'),
      windowEnd: Date.parse('2015-01-01T01:00:00Z'),
    };
    expect(aggregateEventId(k, 0)).toBe('35c9049d-233e-52e8-8665-9017eaf38d1a');
    expect(aggregateEventId(k, 0)).toBe(
      derivedEventId(
        'reading-aggregate',
        'meter',
        'm1',
        'electricity',
        'kWh',
        'PT1H',
        '2015-01-01T00:00:00.000Z',
        0,
      ),
    );
    expect(aggregateEventId(k, 1)).not.toBe(aggregateEventId(k, 0));
    expect(aggregateEventId({ ...k, unit: 'MJ' }, 0)).not.toBe(aggregateEventId(k, 0));
  });
});

describe('aggregateWindows (marbles, virtual time)', () => {
  const a = reading('m1', '00:00', 1);
  const b = reading('m1', '00:30', 2);
  const c = reading('m1', '01:05', 3);
  const d = reading('m1', '01:15', 4);
  const firstHour = meterAggregate({ start: '00:00', values: [1, 2], revision: 0 });
  const secondHour = meterAggregate({ start: '01:00', values: [3, 4], revision: 0 });

  it('emits each window once the watermark passes its end, and flushes open windows on completion', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-b-c-d-|', { a, b, c, d });
      expectObservable(source.pipe(aggregateWindows(hourly))).toBe('------x-(y|)', {
        x: firstHour,
        y: secondHour,
      });
    });
  });

  it('gives input shuffled within maxOutOfOrder the same aggregates as sorted input', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // c (01:05) comes after d (01:15): exactly at the watermark, so still on time.
      const source = cold<SensorReading>('b-a-d-c-|', { a, b, c, d });
      expectObservable(source.pipe(aggregateWindows(hourly))).toBe('----x---(y|)', {
        x: firstHour,
        y: secondHour,
      });
    });
  });

  it('restates a window with revision 1 when a reading arrives late but within allowed lateness', () => {
    const late = reading('m1', '00:45', 10);
    const f = reading('m1', '01:50', 5);
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-b-d-e-f-|', { a, b, d, e: late, f });
      expectObservable(source.pipe(aggregateWindows(hourly))).toBe('----x-y---(z|)', {
        x: firstHour,
        y: meterAggregate({ start: '00:00', values: [1, 2, 10], revision: 1 }),
        z: meterAggregate({ start: '01:00', values: [4, 5], revision: 0 }),
      });
    });
  });

  it('past allowed lateness emits a full correction, past the horizon a delta; nothing is dropped', async () => {
    const f = reading('m1', '01:50', 5); // watermark 01:40: the first hour is past lateness (01:30)
    const g = reading('m1', '00:15', 100); // beyond lateness, within the horizon (until 02:30)
    const h = reading('m1', '03:00', 1); // watermark 02:50: the first hour's summary is forgotten
    const i = reading('m1', '00:20', 7); // beyond the horizon
    const options = { ...hourly, correctionHorizonMs: HOUR };
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-b-d-f-g-h-i-|', { a, b, d, f, g, h, i });
      expectObservable(source.pipe(aggregateWindows(options))).toBe('----x---y-z-w-(v|)', {
        x: firstHour,
        y: meterAggregate({ start: '00:00', values: [1, 2, 100], revision: 1, isCorrection: true }),
        z: meterAggregate({ start: '01:00', values: [4, 5], revision: 0 }),
        w: meterAggregate({
          start: '00:00',
          values: [7],
          revision: DELTA_REVISION,
          isCorrection: true,
          readingEventId: i.eventId,
        }),
        v: meterAggregate({ start: '03:00', values: [1], revision: 0 }),
      });
    });

    // A consumer following the contract ends with every reading of the first hour counted.
    const out = await run([a, b, d, f, g, h, i], options);
    const firstHourEvents = out.filter((x) => x.windowStart.getTime() === a.occurredAt.getTime());
    const stored = firstHourEvents.reduce<ReadingAggregate | undefined>(mergeAggregate, undefined);
    expect(stored).toMatchObject({ sum: 1 + 2 + 100 + 7, count: 4, min: 1, max: 100, revision: 1 });
  });

  it('idle flush states passed windows early on the injected scheduler; the final statement is the same', () => {
    const e = reading('m1', '00:55', 10); // on time: the watermark is only 00:50
    const f = reading('m1', '01:20', 4);
    const c1 = reading('m1', '01:00', 3);
    const values = { a, b, c: c1, e, f };
    const late = meterAggregate({ start: '00:00', values: [1, 2, 10], revision: 1 });
    const last = meterAggregate({ start: '01:00', values: [3, 4], revision: 0 });
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-b-c 1000ms e-f-|', values);
      expectObservable(source.pipe(aggregateWindows({ ...hourly, idleFlushMs: 1000, scheduler }))).toBe(
        '---- 1000ms x--y-(z|)',
        { x: firstHour, y: late, z: last },
      );
    });
    // Without idleFlushMs (the default) no timer exists: the quiet second changes nothing.
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-b-c 1000ms e-f-|', values);
      expectObservable(source.pipe(aggregateWindows(hourly))).toBe('---- 1000ms ---y-(z|)', {
        y: meterAggregate({ start: '00:00', values: [1, 2, 10], revision: 0 }),
        z: last,
      });
    });
  });

  it('passes an input error on without flushing', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-#', { a });
      expectObservable(source.pipe(aggregateWindows(hourly))).toBe('--#');
    });
  });
});

describe('aggregateWindows semantics', () => {
  it('orders output by windowEnd, window size, scope, key, and never sums different units', async () => {
    const readings = [
      reading('m2', '00:20', 2),
      reading('m1', '00:10', 1),
      reading('g', '00:05', 5, { meterKind: 'gas', unit: 'm3' }),
      reading('mj', '00:05', 7, { unit: 'MJ' }),
    ];
    const out = await run(readings, { windowSizes: ['PT1H', 'PT15M'], scope: 'both' });
    expect(
      out.map((x) => [
        x.windowEnd.toISOString().slice(11, 16),
        x.windowSize,
        x.meterId ?? x.buildingId,
        x.meterKind,
        x.unit,
        x.sum,
      ]),
    ).toEqual([
      ['00:15', 'PT15M', 'g', 'gas', 'm3', 5],
      ['00:15', 'PT15M', 'm1', 'electricity', 'kWh', 1],
      ['00:15', 'PT15M', 'mj', 'electricity', 'MJ', 7],
      ['00:15', 'PT15M', 'B1', 'electricity', 'MJ', 7],
      ['00:15', 'PT15M', 'B1', 'electricity', 'kWh', 1],
      ['00:15', 'PT15M', 'B1', 'gas', 'm3', 5],
      ['00:30', 'PT15M', 'm2', 'electricity', 'kWh', 2],
      ['00:30', 'PT15M', 'B1', 'electricity', 'kWh', 2],
      ['01:00', 'PT1H', 'g', 'gas', 'm3', 5],
      ['01:00', 'PT1H', 'm1', 'electricity', 'kWh', 1],
      ['01:00', 'PT1H', 'm2', 'electricity', 'kWh', 2],
      ['01:00', 'PT1H', 'mj', 'electricity', 'MJ', 7],
      ['01:00', 'PT1H', 'B1', 'electricity', 'MJ', 7],
      ['01:00', 'PT1H', 'B1', 'electricity', 'kWh', 3],
      ['01:00', 'PT1H', 'B1', 'gas', 'm3', 5],
    ]);
    expect(out.filter((x) => x.meterId === null).every((x) => x.buildingId === 'B1')).toBe(true);
  });

  it('counts a duplicate (meterId, occurredAt) once, latest arrival wins; an exact redelivery emits nothing', async () => {
    const out = await run([
      reading('m1', '00:10', 1),
      reading('m1', '00:10', 4),
      reading('m1', '01:15', 9), // closes the first hour
      reading('m1', '00:10', 6), // late duplicate with a new value: restated
      reading('m1', '00:10', 6, { eventId: 'redelivery' }), // same value again: nothing
    ]);
    expect(out.map((x) => [x.windowStart.toISOString().slice(11, 16), x.revision, x.count, x.sum])).toEqual([
      ['00:00', 0, 1, 4],
      ['00:00', 1, 1, 6],
      ['01:00', 0, 1, 9],
    ]);
  });

  it('a first reading for a window already past lateness is its statement revision 0, marked as a correction', async () => {
    const out = await run([reading('m1', '03:00', 1), reading('m1', '00:10', 2)]);
    expect(out[0]).toEqual({
      ...meterAggregate({ start: '00:00', values: [2], revision: 0 }),
      isCorrection: true,
    });
  });

  it('keeps memory bounded: held windows and summaries stop growing on a long stream', () => {
    const config: WindowAggregatorConfig = resolveWindowOptions({
      windowSizes: ['PT15M', 'PT1H', 'P1D'],
      scope: 'both',
      maxOutOfOrderMs: 5 * MIN,
      allowedLatenessMs: HOUR,
      correctionHorizonMs: 6 * HOUR,
    });
    const aggregator = createWindowAggregator(config);
    const sizes: { windows: number; summaries: number }[] = [];
    for (let q = 0; q < 4 * 24 * 10; q++) {
      for (const m of ['m1', 'm2', 'm3']) {
        aggregator.ingest(reading(m, new Date(Date.UTC(2015, 0, 1) + q * 15 * MIN).toISOString(), q));
      }
      sizes.push(aggregator.held);
    }
    const steady = sizes.slice(4 * 24 * 2);
    // 2 scopes x (3 meters + 1 building key) x windows within lateness+open, plus 6h+1h of summaries.
    expect(Math.max(...steady.map((s) => s.windows))).toBeLessThan(100);
    expect(Math.max(...steady.map((s) => s.summaries))).toBeLessThan(250);
  });

  it('rejects invalid options at creation and non-finite readings as poison', async () => {
    expect(() => aggregateWindows({ ...hourly, windowSizes: [] })).toThrow(EaioError);
    expect(() => aggregateWindows({ ...hourly, maxOutOfOrderMs: -1 })).toThrow(/maxOutOfOrderMs/);
    expect(() => aggregateWindows({ ...hourly, idleFlushMs: 0 })).toThrow(/idleFlushMs/);
    await expect(run([reading('m1', '00:10', Number.NaN)])).rejects.toMatchObject({ code: 'EVENT_INVALID' });
  });

  it.each<AggregationScope>(['meter', 'building'])('emits only %s scope when asked', async (scope) => {
    const out = await run([reading('m1', '00:10', 1)], { scope });
    expect(out.map((x) => x.meterId)).toEqual([scope === 'meter' ? 'm1' : null]);
  });
});
