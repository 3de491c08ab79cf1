import { describe, expect, it } from 'vitest';
import { createProgressReporter, type ProgressLine, progressLine } from '../../app/commands/progress.ts';
import { backfillPlan } from '../../app/commands/simulate-command.ts';

/** A logger that keeps what it was given, as pino would write it: fields and message. */
function recorder() {
  const lines: { fields: ProgressLine; msg: string }[] = [];
  return { lines, logger: { info: (fields: ProgressLine, msg: string) => lines.push({ fields, msg }) } };
}

describe('progress lines off a terminal', () => {
  it('carry the rate since the start and the time left at that rate', () => {
    expect(progressLine('import x.csv', 'bytes', 250, 1000, 5_000, false)).toEqual({
      task: 'import x.csv',
      unit: 'bytes',
      done: 250,
      total: 1000,
      percent: 25,
      ratePerSecond: 50,
      etaSeconds: 15,
      elapsedSeconds: 5,
      finished: false,
    });
    // Unknown total or nothing done yet: no ETA rather than a made-up one.
    expect(progressLine('refold', 'messages', 10, undefined, 1_000, false)).toMatchObject({
      total: null,
      etaSeconds: null,
    });
    expect(progressLine('refold', 'messages', 0, 100, 1_000, false)).toMatchObject({
      ratePerSecond: 0,
      etaSeconds: null,
    });
  });

  it('are written at most every everyMs, plus one when it stops, each a JSON-serialisable record', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const progress = createProgressReporter({
      task: 'simulate backfill',
      unit: 'readings',
      stream: process.stderr,
      logger,
      interactive: false,
      everyMs: 2_000,
      now: () => now,
    });
    progress.start(10_000);
    for (let step = 1; step <= 10; step++) {
      now += 500;
      progress.update(step * 500);
    }
    progress.stop();
    // 5 s of updates every 0.5 s: a line at 2 s and 4 s, and the last one.
    expect(lines.map((l) => l.fields.done)).toEqual([2_000, 4_000, 5_000]);
    const parsed = lines.map((l) => JSON.parse(JSON.stringify({ msg: l.msg, ...l.fields })));
    expect(parsed[0]).toMatchObject({ msg: 'progress', ratePerSecond: 1_000, etaSeconds: 8, percent: 20 });
    expect(parsed.at(-1)).toMatchObject({ finished: true, done: 5_000, etaSeconds: 5, elapsedSeconds: 5 });
  });

  it('write nothing before a start and only once for a second stop', () => {
    const { lines, logger } = recorder();
    const progress = createProgressReporter({
      task: 't',
      unit: 'u',
      stream: process.stderr,
      logger,
      interactive: false,
    });
    progress.stop();
    progress.start(1);
    progress.stop();
    progress.stop();
    expect(lines).toHaveLength(1);
  });
});

describe("the simulator's backfill plan", () => {
  const fleet = { buildings: [], meters: [{}, {}, {}] } as unknown as Parameters<
    typeof backfillPlan
  >[0]['fleet'];
  const hour = 3_600_000;
  const base = {
    fleet,
    intervalMs: hour,
    backfillMs: 24 * hour,
    start: undefined,
    until: undefined,
    count: undefined,
  };

  it('counts a paced run up to now: every step of the backfill for every meter', () => {
    const now = Date.parse('2026-12-06T12:30:00Z');
    // First step floor(now − 24 h) = 12:00 the day before, last at or before now 12:00 today: 25 steps.
    expect(backfillPlan({ ...base, speed: 1 }, now)).toEqual({ endsAt: now, readings: 25 * 3 });
    expect(backfillPlan({ ...base, speed: 1, count: 10 }, now).readings).toBe(10);
  });

  it('treats a --speed max run as all backfill, bounded by --until or --count, else of unknown size', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const until = new Date(Date.parse('2026-12-07T12:00:00Z'));
    expect(backfillPlan({ ...base, speed: Number.POSITIVE_INFINITY, until }, now).readings).toBe(49 * 3);
    expect(backfillPlan({ ...base, speed: Number.POSITIVE_INFINITY, count: 500 }, now)).toEqual({
      endsAt: Number.POSITIVE_INFINITY,
      readings: 500,
    });
    expect(backfillPlan({ ...base, speed: Number.POSITIVE_INFINITY }, now).readings).toBeUndefined();
  });
});
