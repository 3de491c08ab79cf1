import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dataQualityIssuesProjection,
  mergeDataQualityIssuesChanges,
} from '../../projections/data-quality-issues/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { DATA_QUALITY_ISSUE_KINDS, SEVERITIES } from '../../schemas/index.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

const START = Date.UTC(2016, 0, 1);

const eventsArb: fc.Arbitrary<ProjectionEvent<'dataQualityIssues'>[]> = fc
  .array(
    fc.record({
      id: fc.nat(15),
      meter: fc.nat(3),
      kind: fc.nat(DATA_QUALITY_ISSUE_KINDS.length - 1),
      severity: fc.nat(SEVERITIES.length - 1),
      aboutReading: fc.boolean(),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map((s, i) => ({
      topic: 'dataQualityIssues',
      partition: s.meter % 3,
      offset: String(i),
      event: {
        eventId: `00000000-0000-4000-8000-${String(s.id).padStart(12, '0')}`,
        occurredAt: new Date(START + i * 60_000),
        source: 'readings-validation',
        buildingId: 'B1',
        meterId: `B1:m${s.meter}`,
        issueKind: DATA_QUALITY_ISSUE_KINDS[s.kind] ?? 'gap',
        readingAt: s.aboutReading ? new Date(START + i * 60_000) : null,
        evidence: { value: String(i), copy: String(s.id) },
        severity: SEVERITIES[s.severity] ?? 'info',
      },
    })),
  );

describe('data-quality-issues projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(dataQualityIssuesProjection, events);
        const applied = cutInto(events, cuts)
          .map((b) => foldBatch(dataQualityIssuesProjection, b))
          .reduce(mergeDataQualityIssuesChanges, dataQualityIssuesProjection.initial());
        expect(entries(applied.rows)).toEqual(entries(whole.rows));
      }),
    );
  });

  it('keeps one row per event id, the first copy in the log, also when batches are redelivered', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(dataQualityIssuesProjection, b));
        const applied = [...parts, ...[...parts].reverse()].reduce(
          mergeDataQualityIssuesChanges,
          dataQualityIssuesProjection.initial(),
        );
        expect(applied.rows.size).toBe(new Set(events.map((e) => e.event.eventId)).size);
        for (const [id, row] of applied.rows) {
          const first = events.find((e) => e.event.eventId === id);
          expect([row.sourceOffset, row.readingAt]).toEqual([first?.offset, first?.event.readingAt]);
        }
      }),
    );
  });
});
