import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  minuteOf,
  type OperationRow,
  type OperationStatsChanges,
  operationMinutes,
  operationStatsProjection,
} from '../../projections/operation-stats/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { cutInto, cutsArb, foldBatch } from '../support/fold-batches.ts';

const START = Date.UTC(2026, 10, 21, 12, 0, 0);

/** What `apply` does to stored rows (insert, keep the stored row on a conflict), as a pure function. */
function merge(
  stored: ReadonlyMap<string, OperationRow>,
  batch: OperationStatsChanges,
): Map<string, OperationRow> {
  const rows = new Map(stored);
  for (const [id, row] of batch.rows) if (!rows.has(id)) rows.set(id, row);
  return rows;
}

/** Telemetry in log order; ids repeat as producer retries would write them. */
const eventsArb: fc.Arbitrary<ProjectionEvent<'telemetry'>[]> = fc
  .array(
    fc.record({
      id: fc.nat(40),
      op: fc.constantFrom('mcp.tool:get_latest_readings', 'processor.batch:data-quality'),
      seconds: fc.nat(300),
      failed: fc.boolean(),
      ms: fc.double({ min: 0, max: 5_000, noNaN: true }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map((s, i) => ({
      topic: 'telemetry',
      partition: 0,
      offset: String(i),
      event: {
        eventId: `00000000-0000-4000-8000-${String(s.id).padStart(12, '0')}`,
        occurredAt: new Date(START + s.seconds * 1_000),
        source: 'test',
        component: s.op.startsWith('mcp') ? 'mcp' : 'processor:data-quality',
        actor: null,
        operation: s.op,
        durationMs: s.ms,
        outcome: s.failed ? 'error' : 'ok',
        errorCode: s.failed ? 'NOT_FOUND' : null,
        details: {},
        traceContext: null,
      },
    })),
  );

const sorted = (minutes: ReturnType<typeof operationMinutes>) => minutes.map((m) => JSON.stringify(m)).sort();

describe('operation-stats projection', () => {
  it('per-minute calls and errors count each event id once, whatever the batch cuts and redeliveries', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(operationStatsProjection, b));
        const stored = [...parts, ...parts].reduce(merge, new Map<string, OperationRow>());
        const firstCopies = new Map<string, ProjectionEvent<'telemetry'>>();
        for (const e of events) if (!firstCopies.has(e.event.eventId)) firstCopies.set(e.event.eventId, e);
        expect(stored.size).toBe(firstCopies.size);
        const minutes = operationMinutes(stored.values());
        expect(minutes.reduce((n, m) => n + m.calls, 0)).toBe(firstCopies.size);
        const errors = [...firstCopies.values()].filter((e) => e.event.outcome === 'error').length;
        expect(minutes.reduce((n, m) => n + m.errors, 0)).toBe(errors);
        expect(sorted(minutes)).toEqual(
          sorted(operationMinutes(foldBatch(operationStatsProjection, events).rows.values())),
        );
      }),
    );
  });

  it('buckets by the UTC minute of occurredAt', () => {
    expect(minuteOf(new Date('2026-11-21T12:03:59.999Z')).toISOString()).toBe('2026-11-21T12:03:00.000Z');
    expect(minuteOf(new Date('2026-11-21T12:04:00.000Z')).toISOString()).toBe('2026-11-21T12:04:00.000Z');
  });
});
