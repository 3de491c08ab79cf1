import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ControlCommandsChanges,
  controlCommandsProjection,
  mergeControlCommandsChanges,
  STATUS_RANK,
} from '../../projections/control-commands/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { COMMAND_OUTCOMES, CONTROL_VERDICTS } from '../../schemas/index.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

type ControlEvent = ProjectionEvent<'controlCommands' | 'controlDecisions' | 'controlOutcomes'>;
const START = Date.UTC(2016, 6, 1, 8);

/**
 * Requests, decisions and outcomes of 4 commands, in the order one consumer might fold them: the
 * three topics are read independently, so an outcome may come before its request. Event times
 * collide often, so ties between statuses of one rank occur.
 */
const eventsArb: fc.Arbitrary<ControlEvent[]> = fc
  .array(
    fc.record({
      command: fc.nat(3),
      type: fc.nat(2),
      verdict: fc.nat(CONTROL_VERDICTS.length - 1),
      outcome: fc.nat(COMMAND_OUTCOMES.length - 1),
      minute: fc.nat(5),
      eventId: fc.uuid(),
    }),
    { minLength: 1, maxLength: 50 },
  )
  .map((specs) => {
    const offsets = [0, 0, 0];
    return specs.map((s): ControlEvent => {
      const common = {
        eventId: s.eventId,
        occurredAt: new Date(START + s.minute * 60_000),
        source: 'test',
        commandId: `cmd-${s.command}`,
        buildingId: 'B1',
        pointId: `B1:sp${s.command % 2}`,
      };
      const offset = String(offsets[s.type] ?? 0);
      offsets[s.type] = (offsets[s.type] ?? 0) + 1;
      if (s.type === 0) {
        return {
          topic: 'controlCommands',
          partition: 0,
          offset,
          event: {
            ...common,
            value: 21 + s.minute,
            unit: 'degC',
            priority: 12,
            expiresAt: new Date(START + 3_600_000),
            requestedBy: 'agent:optimizer',
            reason: null,
          },
        };
      }
      if (s.type === 1) {
        const decision = CONTROL_VERDICTS[s.verdict] ?? 'accepted';
        return {
          topic: 'controlDecisions',
          partition: 0,
          offset,
          event: {
            ...common,
            decision,
            reasons: decision === 'rejected' ? [{ code: 'above_max', message: 'above 26 degC' }] : [],
          },
        };
      }
      return {
        topic: 'controlOutcomes',
        partition: 0,
        offset,
        event: { ...common, outcome: COMMAND_OUTCOMES[s.outcome] ?? 'acknowledged', deviceMessage: null },
      };
    });
  });

const rows = (c: ControlCommandsChanges) => ({ commands: entries(c.commands), history: entries(c.history) });
const statusOf = (e: ControlEvent) =>
  e.topic === 'controlCommands'
    ? 'requested'
    : e.topic === 'controlDecisions'
      ? e.event.decision
      : e.event.outcome;

describe('control-commands projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(controlCommandsProjection, events);
        const applied = cutInto(events, cuts)
          .map((b) => foldBatch(controlCommandsProjection, b))
          .reduce(mergeControlCommandsChanges, controlCommandsProjection.initial());
        expect(rows(applied)).toEqual(rows(whole));
      }),
    );
  });

  it('the parts applied in any order (topics consumed independently, redeliveries) give the same rows', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), fc.array(fc.nat(), { maxLength: 10 }), (events, cuts, order) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(controlCommandsProjection, b));
        const shuffled = [...parts];
        order.forEach((n, i) => {
          const j = n % shuffled.length;
          const k = i % shuffled.length;
          [shuffled[j], shuffled[k]] = [
            shuffled[k] as ControlCommandsChanges,
            shuffled[j] as ControlCommandsChanges,
          ];
        });
        const inOrder = parts.reduce(mergeControlCommandsChanges, controlCommandsProjection.initial());
        const anyOrder = [...shuffled, parts[0] as ControlCommandsChanges].reduce(
          mergeControlCommandsChanges,
          controlCommandsProjection.initial(),
        );
        expect(rows(anyOrder)).toEqual(rows(inOrder));
      }),
    );
  });

  it('the status never moves backwards and ends at the furthest status seen; one history row per event', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        let stored = controlCommandsProjection.initial();
        for (const batch of cutInto(events, cuts)) {
          const next = mergeControlCommandsChanges(stored, foldBatch(controlCommandsProjection, batch));
          for (const [id, row] of stored.commands) {
            expect(next.commands.get(id)?.status.rank).toBeGreaterThanOrEqual(row.status.rank);
          }
          stored = next;
        }
        for (const [id, row] of stored.commands) {
          const ranks = events.filter((e) => e.event.commandId === id).map((e) => STATUS_RANK[statusOf(e)]);
          expect(row.status.rank).toBe(Math.max(...ranks));
          expect(STATUS_RANK[row.status.status]).toBe(row.status.rank);
        }
        expect(stored.history.size).toBe(new Set(events.map((e) => e.event.eventId.toLowerCase())).size);
      }),
    );
  });

  it('keeps the request details whatever order the request, decision and outcome arrive in', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const stored = foldBatch(controlCommandsProjection, events);
        for (const [id, row] of stored.commands) {
          const hasRequest = events.some((e) => e.topic === 'controlCommands' && e.event.commandId === id);
          expect(row.request !== null).toBe(hasRequest);
          const hasDecision = events.some((e) => e.topic === 'controlDecisions' && e.event.commandId === id);
          expect(row.decision !== null).toBe(hasDecision);
        }
      }),
    );
  });
});
