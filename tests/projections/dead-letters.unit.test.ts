import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDRIVE_ACTION } from '../../processors/dead-letter-tools/index.ts';
import {
  type DeadLetterIndexEvent,
  deadLetterRow,
  deadLettersProjection,
  mergeDeadLettersChanges,
} from '../../projections/dead-letters/index.ts';
import { type DeadLetterEntry, letterId } from '../../stream-runtime/index.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

const DLQ = 'eaio.sensor-readings.dlq';
const START = Date.UTC(2016, 0, 1);

function letter(offset: number): DeadLetterEntry {
  const at = new Date(START + offset * 60_000).toISOString();
  return {
    dlqTopic: DLQ,
    partition: 0,
    offset: String(offset),
    errorClass: 'ReadingRejectedError',
    errorCode: 'EVENT_OUT_OF_RANGE',
    errorMessage: `value -${offset} kWh is outside [0, 1000000]`,
    stage: 'validate',
    sourceTopic: 'eaio.sensor-readings',
    sourcePartition: offset % 6,
    sourceOffset: String(100 + offset),
    firstFailedAt: at,
    lastFailedAt: at,
    attempts: 1,
    consumer: 'projector',
    key: Buffer.from(`m-${offset}`),
    value: Buffer.from([0, 0, 0, 0, 1, offset % 256]),
    originalHeaders: {},
  };
}

/** Letters in DLQ order and re-drive audit records (some repeated, some for other actions) mixed in. */
const eventsArb: fc.Arbitrary<DeadLetterIndexEvent[]> = fc
  .array(
    fc.record({
      audit: fc.boolean(),
      target: fc.nat(9),
      minute: fc.nat(30),
      other: fc.boolean(),
      id: fc.uuid(),
    }),
    { minLength: 1, maxLength: 50 },
  )
  .map((specs) => {
    let next = 0;
    return specs.map((s): DeadLetterIndexEvent => {
      if (!s.audit) return { kind: 'letter', entry: letter(next++) };
      return {
        kind: 'audit',
        record: {
          eventId: s.id,
          occurredAt: new Date(START + s.minute * 60_000),
          source: 'eaio-cli',
          actor: `user:${s.minute % 2 === 0 ? 'alice' : 'bob'}`,
          action: s.other ? 'mcp.tool.call' : REDRIVE_ACTION,
          target: s.other ? 'get_latest_readings' : `${DLQ}/0/${s.target}`,
          outcome: 'success',
          details: {},
        },
      };
    });
  });

const rows = (c: ReturnType<typeof deadLettersProjection.initial>) => ({
  letters: entries(c.letters),
  redrives: entries(c.redrives),
});

describe('dead-letters projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(deadLettersProjection, events);
        const applied = cutInto(events, cuts)
          .map((b) => foldBatch(deadLettersProjection, b))
          .reduce(mergeDeadLettersChanges, deadLettersProjection.initial());
        expect(rows(applied)).toEqual(rows(whole));
      }),
    );
  });

  it('marks each letter re-driven by its first re-drive, whatever order the parts are applied in', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(deadLettersProjection, b));
        const forward = parts.reduce(mergeDeadLettersChanges, deadLettersProjection.initial());
        const backward = [...parts].reverse().reduce(mergeDeadLettersChanges, forward);
        expect(rows(backward)).toEqual(rows(forward));
        for (const [id, redrive] of forward.redrives) {
          const audits = events.flatMap((e) =>
            e.kind === 'audit' && e.record.action === REDRIVE_ACTION && e.record.target === id
              ? [e.record]
              : [],
          );
          const first = Math.min(...audits.map((a) => a.occurredAt.getTime()));
          expect(redrive.redrivenAt.getTime()).toBe(first);
        }
        const letters = events.filter((e) => e.kind === 'letter');
        expect([...forward.letters.keys()].sort()).toEqual(
          letters.map((e) => (e.kind === 'letter' ? letterId(e.entry) : '')).sort(),
        );
      }),
    );
  });

  it('indexes a letter with missing or garbled headers, with nulls where they were', () => {
    const row = deadLetterRow({
      ...letter(3),
      sourcePartition: Number.NaN,
      sourceOffset: '',
      firstFailedAt: 'yesterday',
      attempts: Number.NaN,
      stage: '',
      originalHeaders: { 'eaio.redrive.from': `${DLQ}/0/1` },
    });
    expect(row).toMatchObject({
      sourcePartition: null,
      sourceOffset: null,
      firstFailedAt: null,
      attempts: null,
      stage: null,
      redrivenFrom: `${DLQ}/0/1`,
      valueBytes: 6,
    });
  });
});
