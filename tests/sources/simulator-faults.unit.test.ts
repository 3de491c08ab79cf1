import { describe, expect, it } from 'vitest';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import {
  checkFaultRates,
  createFaultInjector,
  FAULT_KINDS,
  type FaultRates,
  type GroundTruthFault,
  simulatedReadingId,
} from '../../sources/index.ts';

const START = Date.UTC(2026, 0, 5);

/** Hourly readings of `meters` meters, in step order (every meter per hour), each value distinct. */
function readings(meters: number, hours: number): SensorReading[] {
  const out: SensorReading[] = [];
  for (let h = 0; h < hours; h++)
    for (let m = 0; m < meters; m++) {
      const at = new Date(START + h * HOUR_MS);
      const meterId = `B${m}:electricity`;
      out.push({
        eventId: simulatedReadingId(1, meterId, at),
        occurredAt: at,
        source: 'simulator',
        buildingId: `B${m}`,
        meterId,
        meterKind: 'electricity',
        value: 100 + m + h / 1000,
        unit: 'kWh',
      });
    }
  return out;
}

function inject(rates: FaultRates, input: readonly SensorReading[], seed = 42) {
  const truth: GroundTruthFault[] = [];
  const injector = createFaultInjector({ rates, seed, record: (f) => truth.push(f) });
  const produced = input.flatMap((r) => injector.apply(r, HOUR_MS));
  produced.push(...injector.finish());
  return { truth, produced };
}

describe('fault injection', () => {
  it('injects point faults at their rates, within four standard deviations on a fixed seed', () => {
    const input = readings(10, 3_000);
    const rates = { spike: 0.01, unit_mixup: 0.005, duplicate: 0.02 } as const;
    const { truth } = inject(rates, input);
    for (const [kind, rate] of Object.entries(rates)) {
      const n = truth.filter((f) => f.kind === kind).length;
      const expected = input.length * rate;
      const sd = Math.sqrt(input.length * rate * (1 - rate));
      expect(Math.abs(n - expected), `${kind}: ${n} faults, expected ${expected}`).toBeLessThan(4 * sd);
    }
  });

  it('injects nothing at rate zero and the same faults for the same seed', () => {
    const input = readings(3, 500);
    expect(inject({}, input).produced).toEqual(input);
    const rates = { spike: 0.01, gap: 0.005, late: 0.01 };
    expect(inject(rates, input, 9)).toEqual(inject(rates, input, 9));
    expect(inject(rates, input, 9).truth).not.toEqual(inject(rates, input, 10).truth);
  });

  it('refuses unknown kinds, rates outside [0, 1] and rates that add up to more than 1', () => {
    expect(() => checkFaultRates({ bogus: 0.1 } as FaultRates)).toThrow(/unknown fault kind "bogus"/);
    expect(() => checkFaultRates({ spike: 1.5 })).toThrow(/not a probability/);
    expect(() => checkFaultRates({ spike: 0.6, gap: 0.6 })).toThrow(/more than 1/);
  });

  it('records a ground truth that matches what was produced, fault by fault', () => {
    const input = readings(6, 2_000);
    const rates = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0.002]));
    const { truth, produced } = inject(rates, input);
    const original = new Map(input.map((r) => [r.eventId, r]));
    const positions = new Map<string, number[]>();
    for (const [i, r] of produced.entries())
      positions.set(r.eventId, [...(positions.get(r.eventId) ?? []), i]);
    const producedOnce = (id: string): SensorReading => {
      const at = positions.get(id) ?? [];
      expect(at, `${id} produced once`).toHaveLength(1);
      return produced[at[0] ?? -1] as SensorReading;
    };

    for (const kind of FAULT_KINDS)
      expect(
        truth.some((f) => f.kind === kind),
        `a ${kind} fault`,
      ).toBe(true);
    const faulty = new Set<string>();
    for (const f of truth) {
      expect(f.eventIds.length).toBeGreaterThan(0);
      for (const id of f.eventIds) {
        const r = original.get(id);
        if (r === undefined) throw new Error(`ground truth names an unknown event ${id}`);
        expect(r.meterId).toBe(f.meterId);
        expect(r.buildingId).toBe(f.buildingId);
        expect(r.occurredAt.getTime()).toBeGreaterThanOrEqual(Date.parse(f.from));
        expect(r.occurredAt.getTime()).toBeLessThanOrEqual(Date.parse(f.to));
        faulty.add(id);
        switch (f.kind) {
          case 'spike':
            expect(producedOnce(id).value).toBeCloseTo(r.value * Number(f.parameters.factor), 3);
            break;
          case 'unit_mixup':
            expect(producedOnce(id).value).toBeCloseTo(r.value * 1000, 6);
            break;
          case 'duplicate':
            expect(positions.get(id)).toHaveLength(2);
            break;
          case 'gap':
            expect(positions.has(id)).toBe(false);
            break;
          case 'flatline':
            expect(producedOnce(id).value).toBe(f.parameters.stuckValue);
            break;
          case 'clock_drift':
            expect(producedOnce(id).occurredAt.getTime()).toBeGreaterThan(r.occurredAt.getTime());
            break;
          case 'late': {
            // Sent after at least `heldBackReadings` later readings of its meter.
            const at = (positions.get(id) ?? [])[0] ?? -1;
            const laterBefore = produced
              .slice(0, at)
              .filter((p) => p.meterId === r.meterId && p.occurredAt.getTime() > r.occurredAt.getTime());
            expect(laterBefore.length).toBeGreaterThanOrEqual(Number(f.parameters.heldBackReadings));
            expect(producedOnce(id)).toEqual(r);
            break;
          }
        }
      }
      if (f.kind === 'gap' || f.kind === 'flatline' || f.kind === 'clock_drift')
        expect(Number(f.parameters.readings)).toBe(f.eventIds.length);
    }
    // Everything outside the ground truth went out once, untouched.
    for (const r of input) if (!faulty.has(r.eventId)) expect(producedOnce(r.eventId)).toEqual(r);
  });
});
