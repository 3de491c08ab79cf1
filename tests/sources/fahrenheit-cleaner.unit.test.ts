import { describe, expect, it } from 'vitest';
import type { WeatherObservation } from '../../schemas/index.ts';
import {
  type CleanerInput,
  FahrenheitCleaner,
  type FahrenheitCleanerOptions,
  fahrenheitToCelsius,
  plausibleStepC,
} from '../../sources/import/formats/index.ts';
import type { ImportEvent, RecordResult, UnitOutcome } from '../../sources/import/index.ts';

const HOUR = 3_600_000;
const START = Date.parse('2015-02-01T00:00:00Z');

interface Point {
  readonly t: number | null;
  readonly d: number | null;
  readonly station?: string;
  /** Hours after START; defaults to the index. */
  readonly at?: number;
}

function observation(p: Point, i: number): WeatherObservation {
  const occurredAt = new Date(START + (p.at ?? i) * HOUR);
  return {
    eventId: `e${i}`,
    occurredAt,
    source: 'test',
    stationId: p.station ?? 's1',
    temperatureC: p.t,
    dewPointC: p.d,
    relativeHumidityPct: null,
    pressureHpa: null,
    windSpeedKmh: null,
    windDirectionDeg: null,
    precipitationMm: null,
    conditions: null,
    traceContext: null,
  };
}

const toEvent = (event: WeatherObservation): ImportEvent => ({
  topic: 'weatherObservations',
  key: event.stationId,
  event,
});

function run(
  points: readonly (Point | UnitOutcome)[],
  options: FahrenheitCleanerOptions = {},
): RecordResult[] {
  const cleaner = new FahrenheitCleaner(toEvent, options);
  const out: RecordResult[] = [];
  points.forEach((p, i) => {
    const record = { line: i + 2, fields: [], text: `line ${i + 2}` };
    const input: CleanerInput =
      'kind' in p ? { record, decided: p } : { record, observation: observation(p, i), cleanings: [] };
    out.push(...cleaner.push(input));
  });
  out.push(...cleaner.end());
  return out;
}

const unit = (r: RecordResult): UnitOutcome => r.units[0] as UnitOutcome;
const eventOf = (r: RecordResult): WeatherObservation => {
  const u = unit(r);
  if (u.kind === 'deadLettered' || u.event === undefined || u.event.topic !== 'weatherObservations') {
    throw new Error(`no weather event at line ${r.record.line}`);
  }
  return u.event.event;
};
const ruleOf = (r: RecordResult): string => {
  const u = unit(r);
  return u.kind === 'cleaned' ? u.rule : u.kind;
};

/** A smooth series: a daily swing of ±3 °C around `mean`, dew point `spread` below. */
function series(hours: number, mean: number, spread: number): Point[] {
  return Array.from({ length: hours }, (_, h) => {
    const t = Math.round((mean + 3 * Math.sin((2 * Math.PI * h) / 24)) * 10) / 10;
    return { t, d: Math.round((t - spread) * 10) / 10 };
  });
}

/** The same series with hours [from, to) written in °F, as a mis-set export writes them (one decimal). */
function withFahrenheit(points: readonly Point[], from: number, to: number): Point[] {
  const f = (c: number | null): number | null => (c === null ? null : Math.round((c * 1.8 + 32) * 10) / 10);
  return points.map((p, i) => (i >= from && i < to ? { ...p, t: f(p.t), d: f(p.d) } : p));
}

describe('FahrenheitCleaner block check', () => {
  it('converts back a two-day block inside any plausible range (5 °C written as 41)', () => {
    const truth = series(24 * 6, 5, 3);
    const results = run(withFahrenheit(truth, 48, 96));
    expect(results.map((r) => r.record.line)).toEqual(truth.map((_, i) => i + 2));
    results.forEach((r, i) => {
      const inBlock = i >= 48 && i < 96;
      expect(ruleOf(r), `hour ${i}`).toBe(inBlock ? 'fahrenheit block' : 'produced');
      expect(eventOf(r).temperatureC).toBeCloseTo(truth[i]?.t as number, 1);
      expect(eventOf(r).dewPointC).toBeCloseTo(truth[i]?.d as number, 1);
    });
    // Every raw value of the block was plausible as °C: a fixed range could not have caught it.
    const raw = withFahrenheit(truth, 48, 96).slice(48, 96);
    expect(raw.every((p) => (p.t as number) > 30 && (p.t as number) < 50)).toBe(true);
    const first = unit(results[48] as RecordResult);
    expect(first.kind === 'cleaned' && first.detail).toContain('converted from °F');
    expect(first.kind === 'cleaned' && first.detail).toContain('block of 48 rows, lines 50-97');
  });

  it('catches a winter block where −5 °C reads as a plausible 23', () => {
    const truth = series(24 * 5, -5, 3);
    const results = run(withFahrenheit(truth, 30, 60));
    expect(results.filter((r) => ruleOf(r) === 'fahrenheit block').map((r) => r.record.line - 2)).toEqual(
      Array.from({ length: 30 }, (_, i) => 30 + i),
    );
    expect(eventOf(results[40] as RecordResult).temperatureC).toBeCloseTo(truth[40]?.t as number, 1);
  });

  it('treats a single °F row as a block of one and keeps rows with a missing value inside the block', () => {
    const truth = series(48, 12, 4);
    const points = withFahrenheit(truth, 20, 26).map((p, i) => (i === 22 ? { ...p, t: null } : p));
    const results = run(points);
    expect(results.filter((r) => ruleOf(r) === 'fahrenheit block')).toHaveLength(6);
    expect(eventOf(results[22] as RecordResult)).toMatchObject({ temperatureC: null });
    expect(eventOf(results[22] as RecordResult).dewPointC).toBeCloseTo(truth[22]?.d as number, 1);

    const one = run(withFahrenheit(truth, 10, 11));
    expect(one.map(ruleOf).filter((r) => r !== 'produced')).toEqual(['fahrenheit block']);
  });

  it('does not convert a jump that never comes back within the hold window (a real change, or no proof)', () => {
    const truth = series(24 * 10, 5, 3);
    const results = run(withFahrenheit(truth, 48, 24 * 10), { holdMs: 3 * 24 * HOUR });
    expect(results.filter((r) => ruleOf(r) === 'fahrenheit block')).toEqual([]);
    expect(results.filter((r) => ruleOf(r) === 'step')).toEqual([]);
  });

  it('does not take a block when only the temperature jumps (the dew point must jump with it)', () => {
    const truth = series(72, 5, 3);
    const points = truth.map((p, i) =>
      i >= 24 && i < 30 ? { ...p, t: Math.round(((p.t as number) * 1.8 + 32) * 10) / 10 } : p,
    );
    const results = run(points);
    expect(results.filter((r) => ruleOf(r) === 'fahrenheit block')).toEqual([]);
  });
});

describe('FahrenheitCleaner step check', () => {
  it('nulls a value that jumps away and back, and keeps a front that stays', () => {
    const spike: Point[] = [
      { t: 10, d: 5 },
      { t: 10, d: 5 },
      { t: 30, d: 5 },
      { t: 10, d: 5 },
      { t: 10, d: 5 },
    ];
    const results = run(spike);
    expect(results.map(ruleOf)).toEqual(['produced', 'produced', 'step', 'produced', 'produced']);
    expect(eventOf(results[2] as RecordResult)).toMatchObject({ temperatureC: null, dewPointC: 5 });

    // weather2.csv line 2979-2980: 16.1 °C to 9 °C in 18 minutes, a cold front; it stays.
    const front = run([
      { t: 16.1, d: 0, at: 0 },
      { t: 9, d: 3, at: 0.3 },
      { t: 8.5, d: 3, at: 1.3 },
    ]);
    expect(front.map(ruleOf)).toEqual(['produced', 'produced', 'produced']);
  });

  it('nulls a dew point spike alone (the real weather10.csv line 5627: 22, 10, 24)', () => {
    const results = run([
      { t: 33, d: 22 },
      { t: 32, d: 10 },
      { t: 31, d: 24 },
    ]);
    expect(results.map(ruleOf)).toEqual(['produced', 'step', 'produced']);
    expect(eventOf(results[1] as RecordResult)).toMatchObject({ temperatureC: 32, dewPointC: null });
  });

  it('allows larger steps over longer gaps, up to a cap', () => {
    expect(plausibleStepC(0)).toBe(8);
    expect(plausibleStepC(HOUR)).toBe(11);
    expect(plausibleStepC(100 * HOUR)).toBe(25);
    expect(fahrenheitToCelsius(41)).toBe(5);
    expect(fahrenheitToCelsius(23)).toBe(-5);
  });
});

describe('FahrenheitCleaner order and bounds', () => {
  it('emits every record once, in line order, across stations and decided records', () => {
    const a = withFahrenheit(series(60, 5, 3), 20, 30);
    const points: (Point | UnitOutcome)[] = [];
    a.forEach((p, i) => {
      points.push({ ...p, station: 'a', at: i });
      points.push({ t: 20, d: 10, station: 'b', at: i });
      if (i % 7 === 0) points.push({ kind: 'deadLettered', reason: 'invalid DateUTC', detail: 'x' });
    });
    const results = run(points);
    expect(results.map((r) => r.record.line)).toEqual(points.map((_, i) => i + 2));
    expect(results.filter((r) => ruleOf(r) === 'fahrenheit block')).toHaveLength(10);
    expect(results.filter((r) => ruleOf(r) === 'deadLettered')).toHaveLength(9);
  });

  it('holds at most maxHeldRows records: a station whose rows stopped is judged with what is known', () => {
    const cleaner = new FahrenheitCleaner(toEvent, { maxHeldRows: 50 });
    // Station a ends on an open °F candidate, then station b's rows follow (a file sorted by site).
    const a = withFahrenheit(series(30, 5, 3), 25, 30).map((p) => ({ ...p, station: 'a' }));
    const b = series(200, 15, 2).map((p) => ({ ...p, station: 'b' }));
    let maxHeld = 0;
    let emitted = 0;
    [...a, ...b].forEach((p, i) => {
      const out = cleaner.push({
        record: { line: i + 2, fields: [], text: '' },
        observation: observation(p, i < 30 ? i : i - 30),
        cleanings: [],
      });
      emitted += out.length;
      maxHeld = Math.max(maxHeld, i + 1 - emitted);
    });
    emitted += cleaner.end().length;
    expect(maxHeld).toBeLessThanOrEqual(50);
    expect(emitted).toBe(230);
  });
});
