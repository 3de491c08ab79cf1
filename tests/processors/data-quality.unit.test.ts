import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import type {
  DataQualityOptions,
  DataQualityOutput,
  QualityRules,
} from '../../processors/data-quality/index.ts';
import {
  checkFuture,
  checkGap,
  checkRange,
  checkSpike,
  checkUnit,
  convertUnit,
  createDataQualityChecker,
  DATA_QUALITY_SOURCE,
  DEFAULT_QUALITY_RULES,
  dataQuality,
  median,
  medianAbsoluteDeviation,
  RingBuffer,
  resolveDataQualityOptions,
  rulesFor,
  stepStuckRun,
} from '../../processors/data-quality/index.ts';
import type {
  DataQualityIssue,
  MeterKind,
  QualityFlag,
  ReadingUnit,
  SensorReading,
} from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.UTC(2016, 0, 1);
const iso = (t: number): string => new Date(t).toISOString();

/** A reading of meter `meterId` (building B1, electricity, kWh unless told) `hours` after START. */
function reading(
  meterId: string,
  hours: number,
  value: number,
  more: {
    buildingId?: string;
    meterKind?: MeterKind;
    unit?: ReadingUnit;
    eventId?: string;
    qualityFlags?: QualityFlag[];
  } = {},
): SensorReading {
  return {
    eventId: more.eventId ?? `${meterId}@${hours}=${value}`,
    occurredAt: new Date(START + hours * HOUR),
    source: 'test',
    buildingId: more.buildingId ?? 'B1',
    meterId,
    meterKind: more.meterKind ?? 'electricity',
    value,
    unit: more.unit ?? 'kWh',
    ...(more.qualityFlags === undefined ? {} : { qualityFlags: more.qualityFlags }),
  };
}

/** `values` as an hourly series of one meter from hour `from`. */
function hourly(meterId: string, values: readonly number[], from = 0, more = {}): SensorReading[] {
  return values.map((v, i) => reading(meterId, from + i, v, more));
}

function run(
  readings: readonly SensorReading[],
  options: DataQualityOptions = {},
): Promise<DataQualityOutput[]> {
  return lastValueFrom(from(readings).pipe(dataQuality(options), toArray()));
}

const issuesOf = (out: readonly DataQualityOutput[]): DataQualityIssue[] =>
  out.flatMap((o) => (o.kind === 'issue' ? [o.issue] : []));
const readingsOf = (out: readonly DataQualityOutput[]): SensorReading[] =>
  out.flatMap((o) => (o.kind === 'reading' ? [o.reading] : []));
const flagsOf = (out: readonly DataQualityOutput[]): (readonly QualityFlag[])[] =>
  readingsOf(out).map((r) => r.qualityFlags ?? []);

const electricity = DEFAULT_QUALITY_RULES.electricity;
const rules = (more: Partial<QualityRules> = {}): QualityRules => ({ ...electricity, ...more });

describe('units', () => {
  it.each([
    [3.6, 'MJ', 'kWh', 1],
    [1, 'kBTU', 'kWh', 0.293071070172],
    [1, 'therm', 'kWh', 29.3071070172],
    [1, 'ton_h', 'kWh', 3.516852842],
    [1, 'kWh', 'kBTU', 3.412141633],
    [1000, 'L', 'm3', 1],
    [1, 'gal', 'm3', 0.003785411784],
    [100, 'therm', 'kBTU', 10_000],
  ] as const)('converts %d %s to %s', (value, from, to, expected) => {
    const c = convertUnit(value, from, to);
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.value).toBeCloseTo(expected, 6);
  });

  it('keeps a value already in the target unit bit for bit and refuses to cross dimensions', () => {
    expect(convertUnit(0.1 + 0.2, 'kWh', 'kWh')).toEqual({ ok: true, value: 0.1 + 0.2, unit: 'kWh' });
    expect(convertUnit(1, 'm3', 'kWh')).toEqual({ ok: false, from: 'volume', to: 'energy' });
  });

  it.each([
    { name: 'canonical, first reading', unit: 'kWh', previous: undefined, issue: null, commensurable: true },
    { name: 'converted, same unit as before', unit: 'MJ', previous: 'MJ', issue: null, commensurable: true },
    { name: 'unit changed mid-stream', unit: 'MJ', previous: 'kWh', issue: 'warning', commensurable: true },
    { name: 'another dimension', unit: 'm3', previous: undefined, issue: 'error', commensurable: false },
  ] as const)('checkUnit: $name', ({ unit, previous, issue, commensurable }) => {
    const c = checkUnit(36, unit, previous, { canonicalUnit: 'kWh' });
    expect(c.commensurable).toBe(commensurable);
    expect(c.finding?.severity ?? null).toBe(issue);
    expect(c.unit).toBe(commensurable ? 'kWh' : unit);
    expect(c.value).toBeCloseTo(unit === 'MJ' ? 10 : 36, 9);
    if (issue === 'error') expect(c.finding?.flag).toBe('suspect');
    if (previous !== undefined && issue !== null) expect(c.finding?.evidence.previousUnit).toBe(previous);
  });

  it('emits chilled water metered in ton_h as kWh, consistently, and reports a unit change', async () => {
    const out = await run([
      reading('cw', 0, 10, { meterKind: 'chilled_water', unit: 'ton_h' }),
      reading('cw', 1, 35.16852842, { meterKind: 'chilled_water', unit: 'kWh' }),
      reading('cw', 2, 1, { meterKind: 'chilled_water', unit: 'm3' }),
    ]);
    const [a, b, c] = readingsOf(out);
    expect(a?.unit).toBe('kWh');
    expect(a?.value).toBeCloseTo(35.16852842, 6);
    expect(b).toMatchObject({ unit: 'kWh', value: 35.16852842, qualityFlags: [] });
    expect(c).toMatchObject({ unit: 'm3', value: 1, qualityFlags: ['suspect'] });
    expect(issuesOf(out).map((i) => [i.issueKind, i.severity, i.evidence.previousUnit])).toEqual([
      ['unit_mismatch', 'warning', 'ton_h'],
      ['unit_mismatch', 'error', 'kWh'],
    ]);
  });
});

describe('range', () => {
  it.each([
    { value: -1, flagged: true },
    { value: 0, flagged: false },
    { value: 1e5, flagged: false },
    { value: 1e5 + 1, flagged: true },
  ])('checkRange($value) on electricity defaults', ({ value, flagged }) => {
    const f = checkRange(value, electricity);
    expect(f !== null).toBe(flagged);
    if (f !== null) {
      expect(f).toMatchObject({ issueKind: 'out_of_range', severity: 'warning', flag: 'out_of_range' });
      expect(f.evidence).toEqual({ value: String(value), unit: 'kWh', min: '0', max: '100000' });
    }
  });

  it('judges the normalised value: 400 MJ is 111 kWh, over a 100 kWh meter ceiling', async () => {
    const out = await run([reading('m1', 0, 400, { unit: 'MJ' })], {
      rules: { byMeter: { m1: { max: 100 } } },
    });
    expect(flagsOf(out)).toEqual([['out_of_range']]);
    expect(issuesOf(out)[0]?.evidence).toMatchObject({ unit: 'kWh', max: '100' });
  });
});

describe('duplicates and order', () => {
  it('flags a repeated timestamp: info when the value repeats, warning when it differs', async () => {
    const out = await run([
      reading('m1', 0, 5),
      reading('m1', 1, 6),
      reading('m1', 1, 6),
      reading('m1', 1, 7),
    ]);
    expect(flagsOf(out)).toEqual([[], [], ['duplicate'], ['duplicate']]);
    expect(issuesOf(out).map((i) => [i.issueKind, i.severity, i.evidence.firstValue])).toEqual([
      ['duplicate', 'info', '6'],
      ['duplicate', 'warning', '6'],
    ]);
  });

  it('flags an older reading out_of_order without an issue, and it does not move the meter back', async () => {
    const out = await run([
      reading('m1', 0, 5),
      reading('m1', 2, 6),
      reading('m1', 1, 7),
      reading('m1', 3, 8),
    ]);
    expect(flagsOf(out)).toEqual([[], [], ['out_of_order'], []]);
    // 0 → 2 is a gap of 2 h > 1.5 h; the late reading at 1 does not undo it, and 2 → 3 is no gap.
    expect(issuesOf(out).map((i) => i.issueKind)).toEqual(['gap']);
  });

  it('flags a redelivered old reading both duplicate and out_of_order', async () => {
    const out = await run([reading('m1', 0, 5), reading('m1', 1, 6), reading('m1', 0, 5)]);
    expect(flagsOf(out)[2]).toEqual(['duplicate', 'out_of_order']);
  });

  it('remembers only the last duplicateWindow timestamps of a meter (bounded memory)', async () => {
    const opts = { rules: { byMeter: { m1: { duplicateWindow: 3 } } } };
    const series = hourly('m1', [1, 2, 3, 4, 5]);
    const out = await run([...series, reading('m1', 0, 1), reading('m1', 3, 4)], opts);
    // 00:00 has been evicted (by 02:00, 03:00, 04:00); 03:00 is still remembered.
    expect(flagsOf(out).slice(5)).toEqual([['out_of_order'], ['duplicate', 'out_of_order']]);
    const checker = createDataQualityChecker(resolveDataQualityOptions(opts));
    for (let h = 0; h < 500; h++) checker.ingest(reading('m1', h, 10 + (h % 7)));
    expect(checker.heldFor('m1')).toEqual({ timestamps: 3, values: 24 });
  });
});

describe('future timestamps', () => {
  it('checkFuture: ahead of the stream by more than maxFutureMs; never for the first reading', () => {
    expect(checkFuture(START + 3 * HOUR, START, 2 * HOUR)?.evidence).toEqual({
      occurredAt: iso(START + 3 * HOUR),
      streamTime: iso(START),
      aheadMs: String(3 * HOUR),
      maxFutureMs: String(2 * HOUR),
    });
    expect(checkFuture(START + 2 * HOUR, START, 2 * HOUR)).toBeNull();
    expect(checkFuture(START, Number.NEGATIVE_INFINITY, 0)).toBeNull();
  });

  it('quarantines a reading ahead of the other meters: flagged, and neither its meter nor the stream moves', async () => {
    const out = await run([
      reading('a', 0, 5),
      reading('b', 0, 5),
      reading('b', 1, 5.5),
      reading('b', 100, 6),
      reading('b', 2, 6.5),
      reading('a', 1, 7),
    ]);
    expect(flagsOf(out)).toEqual([[], [], [], ['future_timestamp'], [], []]);
    const [issue] = issuesOf(out);
    expect(issue).toMatchObject({
      issueKind: 'future_timestamp',
      severity: 'warning',
      meterId: 'b',
      readingAt: new Date(START + 100 * HOUR),
      // Found at the stream's time, not at the reading's claimed time.
      occurredAt: new Date(START + HOUR),
      eventId: derivedEventId('data-quality-issue', 'b', 'future_timestamp', 'b@100=6'),
    });
  });

  it('lets the stream jump once futureQuorum meters agree (an outage of the whole feed)', async () => {
    const checker = createDataQualityChecker(resolveDataQualityOptions({}));
    for (const r of [reading('a', 0, 1), reading('b', 0, 1), reading('c', 0, 1)]) checker.ingest(r);
    checker.ingest(reading('a', 50, 2));
    expect(checker.streamTime).toBe(START);
    // b vouches for a's claim: the stream moves to 50 h, and b itself (51 h) is then on time.
    expect(flagsOf(checker.ingest(reading('b', 51, 2)))).toEqual([[]]);
    expect(checker.streamTime).toBe(START + 51 * HOUR);
    // c follows the jump and is on time; a, b continue normally.
    const later = [reading('c', 51, 3), reading('a', 52, 3), reading('b', 52, 3)].map((r) =>
      checker.ingest(r),
    );
    expect(later.map((o) => flagsOf(o))).toEqual([[[]], [[]], [[]]]);
  });
});

describe('gaps', () => {
  it.each([
    { name: 'on time', after: 1, missing: null },
    { name: 'jitter within 1.5 intervals', after: 1.5, missing: null },
    { name: 'one reading missing', after: 2, missing: '1' },
    { name: 'four readings missing', after: 5, missing: '4' },
  ])('checkGap: $name', ({ after, missing }) => {
    const f = checkGap(START, START + after * HOUR, electricity);
    expect(f?.evidence.missing ?? null).toBe(missing);
    if (f !== null) {
      expect(f).toMatchObject({ issueKind: 'gap', severity: 'info', flag: null });
      expect(f.evidence).toMatchObject({ gapFrom: iso(START), gapTo: iso(START + after * HOUR) });
    }
  });

  it('reports a gap once, about no reading, with an id from its two ends', async () => {
    const out = await run([reading('m1', 0, 5), reading('m1', 1, 6), reading('m1', 5, 7)]);
    expect(flagsOf(out)).toEqual([[], [], []]);
    expect(issuesOf(out)).toEqual([
      {
        eventId: derivedEventId('data-quality-issue', 'm1', 'gap', iso(START + HOUR), iso(START + 5 * HOUR)),
        occurredAt: new Date(START + 5 * HOUR),
        source: DATA_QUALITY_SOURCE,
        buildingId: 'B1',
        meterId: 'm1',
        issueKind: 'gap',
        readingAt: null,
        evidence: {
          gapFrom: iso(START + HOUR),
          gapTo: iso(START + 5 * HOUR),
          gapMs: String(4 * HOUR),
          expectedIntervalMs: String(HOUR),
          missing: '3',
        },
        severity: 'info',
        traceContext: null,
      },
    ]);
  });

  it('uses the meter expected interval: a 15-minute meter has a gap after 30 minutes', async () => {
    const fast = { rules: { byMeter: { m1: { expectedIntervalMs: 15 * MIN } } } };
    const out = await run([reading('m1', 0, 5), reading('m1', 0.25, 5.1), reading('m1', 0.75, 5.2)], fast);
    expect(issuesOf(out).map((i) => i.evidence.missing)).toEqual(['1']);
  });
});

describe('spikes', () => {
  const flat = Array.from({ length: 24 }, (_, i) => 10 + (i % 3));
  it.each([
    { name: 'well above 5 × median', value: 80, history: flat, spike: true },
    { name: 'high but under 5 × median', value: 49, history: flat, spike: false },
    { name: 'too little history', value: 80, history: flat.slice(0, 11), spike: false },
    { name: 'meter idling at 0', value: 80, history: flat.map(() => 0), spike: false },
    {
      name: 'wide normal swings (MAD)',
      value: 70,
      history: [1, 30, 2, 40, 1, 35, 2, 30, 10, 12, 11, 10],
      spike: false,
    },
  ])('checkSpike: $name', ({ value, history, spike }) => {
    const f = checkSpike(value, history, electricity);
    expect(f !== null).toBe(spike);
    if (f !== null) expect(f).toMatchObject({ issueKind: 'spike', flag: 'spike', severity: 'warning' });
  });

  it('median and MAD', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9], 2)).toBe(1);
  });

  it('flags a spike in a stream and keeps the history robust to it', async () => {
    const out = await run(hourly('m1', [...flat, 500, 11, 12]));
    expect(flagsOf(out).slice(24)).toEqual([['spike'], [], []]);
    expect(issuesOf(out)[0]?.evidence).toMatchObject({ value: '500', median: '11' });
  });

  it('is off for solar by default (the diurnal cycle)', async () => {
    const day = Array.from({ length: 48 }, (_, h) =>
      Math.max(0, Math.sin((((h % 24) - 6) / 12) * Math.PI) * 50),
    );
    const out = await run(hourly('pv', day, 0, { meterKind: 'solar' }));
    expect(issuesOf(out)).toEqual([]);
  });
});

describe('stuck values (flatlines)', () => {
  it('stepStuckRun: a run starts, grows and is reported once when it reaches the threshold', () => {
    const r = rules({ stuckMinDurationMs: 2 * HOUR });
    const s1 = stepStuckRun(null, START, 5, r);
    const s2 = stepStuckRun(s1.run, START + HOUR, 5 + 1e-12, r);
    const s3 = stepStuckRun(s2.run, START + 2 * HOUR, 5, r);
    const s4 = stepStuckRun(s3.run, START + 3 * HOUR, 5, r);
    const s5 = stepStuckRun(s4.run, START + 4 * HOUR, 6, r);
    expect([s1, s2, s3, s4, s5].map((s) => [s.stuck, s.finding?.issueKind ?? null])).toEqual([
      [false, null],
      [false, null],
      [true, 'stuck_value'],
      [true, null],
      [false, null],
    ]);
    expect(s3.finding?.evidence).toMatchObject({
      runFrom: iso(START),
      runTo: iso(START + 2 * HOUR),
      readings: '3',
    });
    expect(s5.run).toEqual({ startAt: START + 4 * HOUR, value: 6, count: 1, reported: false });
  });

  it('BDG2: the same value for 24 h is one stuck_value; readings from the 24th hour on are flagged', async () => {
    const values = [3, ...Array.from({ length: 30 }, () => 7.25), 8];
    const out = await run(hourly('m1', values));
    const flags = flagsOf(out);
    // The run starts at hour 1; hour 25 is 24 h later.
    expect(flags.slice(0, 25).every((f) => f.length === 0)).toBe(true);
    expect(flags.slice(25, 31)).toEqual(Array.from({ length: 6 }, () => ['stuck']));
    expect(flags[31]).toEqual([]);
    const issues = issuesOf(out);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      issueKind: 'stuck_value',
      readingAt: null,
      occurredAt: new Date(START + 25 * HOUR),
      eventId: derivedEventId('data-quality-issue', 'm1', 'stuck_value', iso(START + HOUR)),
      evidence: { value: '7.25', runFrom: iso(START + HOUR), runTo: iso(START + 25 * HOUR), readings: '25' },
    });
  });

  it('23 h of the same value is not stuck; a gap ends the run', async () => {
    expect(
      issuesOf(
        await run(
          hourly(
            'm1',
            Array.from({ length: 24 }, () => 7),
          ),
        ),
      ),
    ).toEqual([]);
    const split = [
      ...hourly(
        'm1',
        Array.from({ length: 12 }, () => 7),
      ),
      ...hourly('m1', [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7], 14),
    ];
    expect(issuesOf(await run(split)).map((i) => i.issueKind)).toEqual(['gap']);
  });

  it('ignores zero runs on irrigation meters but not on electricity meters', async () => {
    const zeros = Array.from({ length: 30 }, () => 0);
    const irrigation = await run(hourly('irr', zeros, 0, { meterKind: 'irrigation', unit: 'm3' }));
    expect(issuesOf(irrigation)).toEqual([]);
    const power = await run(hourly('m1', zeros));
    expect(issuesOf(power).map((i) => i.issueKind)).toEqual(['stuck_value']);
  });
});

describe('rules resolution', () => {
  const config = {
    byKind: { electricity: { max: 500, spikeFactor: 8 } },
    byBuilding: { B2: { max: 50, gapFactor: 3, byKind: { electricity: { gapFactor: 4 } } } },
    byMeter: { special: { max: 5 } },
  };
  it.each([
    {
      name: 'default of the kind',
      meter: { meterId: 'x', buildingId: 'B1', meterKind: 'gas' },
      max: 1e5,
      gapFactor: 1.5,
      spikeFactor: 5,
    },
    {
      name: 'per-kind override',
      meter: { meterId: 'x', buildingId: 'B1', meterKind: 'electricity' },
      max: 500,
      gapFactor: 1.5,
      spikeFactor: 8,
    },
    {
      name: 'building beats kind',
      meter: { meterId: 'x', buildingId: 'B2', meterKind: 'gas' },
      max: 50,
      gapFactor: 3,
      spikeFactor: 5,
    },
    {
      name: 'building kind beats building',
      meter: { meterId: 'x', buildingId: 'B2', meterKind: 'electricity' },
      max: 50,
      gapFactor: 4,
      spikeFactor: 8,
    },
    {
      name: 'meter beats all',
      meter: { meterId: 'special', buildingId: 'B2', meterKind: 'electricity' },
      max: 5,
      gapFactor: 4,
      spikeFactor: 8,
    },
  ] as const)('$name', ({ meter, max, gapFactor, spikeFactor }) => {
    expect(rulesFor(config, meter)).toMatchObject({ max, gapFactor, spikeFactor });
  });

  it('a per-building override beats the per-kind default in the stream', async () => {
    const out = await run([reading('m1', 0, 80), reading('m2', 0, 80, { buildingId: 'B2' })], {
      rules: { byKind: { electricity: { max: 100 } }, byBuilding: { B2: { max: 60 } } },
    });
    expect(flagsOf(out)).toEqual([[], ['out_of_range']]);
  });

  it('does not resolve ids through Object.prototype', () => {
    expect(rulesFor(config, { meterId: 'constructor', buildingId: 'toString', meterKind: 'gas' })).toEqual(
      DEFAULT_QUALITY_RULES.gas,
    );
  });

  it.each([
    [{ rules: { byKind: { electricity: { gapFactor: 0.5 } } } }, 'gapFactor'],
    [{ rules: { byKind: { nuclear: {} } } }, 'nuclear'],
    [{ rules: { byMeter: { m: { min: 10, max: 5 } } } }, 'min 10'],
    [{ rules: { byMeter: { m: { maxx: 5 } } } }, 'maxx'],
    [{ rules: { byBuilding: { B: { byKind: { gas: { canonicalUnit: 'Wh' } } } } } }, 'canonicalUnit'],
    [{ rules: { byMeter: { m: { spikeWindow: 2 } } } }, 'spikeWindow'],
    [{ maxFutureMs: -1 }, 'maxFutureMs'],
    [{ futureQuorum: 0 }, 'futureQuorum'],
  ])('rejects invalid options %#', (options, mention) => {
    const attempt = () => dataQuality(options as DataQualityOptions);
    expect(attempt).toThrow(EaioError);
    expect(attempt).toThrow(mention);
  });
});

describe('dataQuality (marbles)', () => {
  const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const a = reading('m1', 0, 5);
  const b = reading('m1', 3, -2);
  // A redelivery of b (same eventId): its range issue has b's issue id, so consumers apply it once.
  const c = reading('m1', 3, -2);

  it('emits each reading at once, followed by its issues in schema order', () => {
    const gap = checkGap(START, START + 3 * HOUR, electricity);
    const range = checkRange(-2, electricity);
    const issue = (
      kind: 'gap' | 'out_of_range' | 'duplicate',
      evidence: Record<string, string>,
      parts: string[],
    ) => ({
      kind: 'issue',
      issue: {
        eventId: derivedEventId('data-quality-issue', 'm1', kind, ...parts),
        occurredAt: new Date(START + 3 * HOUR),
        source: DATA_QUALITY_SOURCE,
        buildingId: 'B1',
        meterId: 'm1',
        issueKind: kind,
        readingAt: kind === 'gap' ? null : new Date(START + 3 * HOUR),
        evidence,
        severity: kind === 'out_of_range' ? 'warning' : 'info',
        traceContext: null,
      },
    });
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold<SensorReading>('a-----b-----c-----|', { a, b, c });
      expectObservable(source.pipe(dataQuality())).toBe('x-----(yzw)-(vut)-|', {
        x: { kind: 'reading', reading: { ...a, qualityFlags: [] } },
        y: { kind: 'reading', reading: { ...b, qualityFlags: ['out_of_range'] } },
        z: issue('out_of_range', range?.evidence ?? {}, [b.eventId]),
        w: issue('gap', gap?.evidence ?? {}, [iso(START), iso(START + 3 * HOUR)]),
        v: { kind: 'reading', reading: { ...c, qualityFlags: ['out_of_range', 'duplicate'] } },
        u: issue('out_of_range', range?.evidence ?? {}, [c.eventId]),
        t: issue('duplicate', { occurredAt: iso(START + 3 * HOUR), value: '-2', firstValue: '-2' }, [
          c.eventId,
        ]),
      });
    });
  });

  it('keeps the source flags and adds its own in schema order', () => {
    const estimated = reading('m1', 0, -1, { qualityFlags: ['spike', 'estimated'] });
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<SensorReading>('(a|)', { a: estimated }).pipe(dataQuality())).toBe('(xy|)', {
        x: {
          kind: 'reading',
          reading: { ...estimated, qualityFlags: ['estimated', 'out_of_range', 'spike'] },
        },
        y: expect.objectContaining({ kind: 'issue' }),
      });
    });
  });

  it('passes an input error on, and errors with EVENT_INVALID on a reading with no valid value', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<SensorReading>('a-#', { a }).pipe(dataQuality())).toBe('x-#', {
        x: { kind: 'reading', reading: { ...a, qualityFlags: [] } },
      });
    });
    return expect(run([reading('m1', 0, Number.NaN)])).rejects.toMatchObject({ code: 'EVENT_INVALID' });
  });

  it('gives every subscription its own state', async () => {
    const op = dataQuality();
    const once = await lastValueFrom(from([a, b]).pipe(op, toArray()));
    const twice = await lastValueFrom(from([a, b]).pipe(op, toArray()));
    expect(twice).toEqual(once);
  });
});

describe('RingBuffer', () => {
  it('holds the last `capacity` items, oldest first, and returns what it evicts', () => {
    const ring = new RingBuffer<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => ring.push(n))).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
