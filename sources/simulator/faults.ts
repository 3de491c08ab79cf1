import { SIMULATOR_FAULT_KINDS } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { uniform } from './seeded-random.ts';

/**
 * The faults the simulator injects, as named in the ground truth and in `--faults`: the config's list
 * (config sits below the simulator, so the list lives there and `simulator.faults` validates against it).
 */
export const FAULT_KINDS = SIMULATOR_FAULT_KINDS;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Probability, per reading of a meter not already in a fault, that a fault of the kind starts there. */
export type FaultRates = Readonly<Partial<Record<FaultKind, number>>>;

/** One line of the ground-truth JSONL file: a fault as injected. */
export interface GroundTruthFault {
  readonly kind: FaultKind;
  readonly meterId: string;
  readonly buildingId: string;
  /** Simulated (true) time of the first affected reading, ISO 8601. */
  readonly from: string;
  /** Simulated (true) time of the last affected reading, ISO 8601. */
  readonly to: string;
  /** Ids of the affected readings (for `gap`: the readings withheld, which were never produced). */
  readonly eventIds: readonly string[];
  /** What the fault did, e.g. `{ factor: 8.2 }` for a spike or `{ heldBackReadings: 3 }` for a late event. */
  readonly parameters: Readonly<Record<string, number | string>>;
}

/** Applies faults to a meter's readings as they are generated, recording each fault it injects. */
export interface FaultInjector {
  /**
   * The events to produce now for one generated reading, in order: none (a gap), the reading as is or
   * altered, twice (a duplicate), and any late reading whose turn has come.
   */
  apply(reading: SensorReading, intervalMs: number): SensorReading[];
  /** Ends every fault still open: records open spans and returns the readings still held back. */
  finish(): SensorReading[];
}

interface OpenSpan {
  readonly kind: 'flatline' | 'gap' | 'clock_drift';
  readonly untilMs: number;
  readonly from: Date;
  to: Date;
  readonly eventIds: string[];
  readonly parameters: Record<string, number | string>;
  /** Flatline: the value the meter is stuck at. */
  readonly stuckValue: number;
  /** Clock drift: offset added per reading. */
  readonly driftStepMs: number;
  readings: number;
}

interface Held {
  readonly reading: SensorReading;
  remaining: number;
}

interface MeterState {
  readonly meterId: string;
  readonly buildingId: string;
  span?: OpenSpan;
  held?: Held;
}

/** Span lengths in event time; long enough for the detectors' defaults (a 24 h stuck run, a 1.5× gap). */
const FLATLINE_MS = { min: 25 * HOUR_MS, max: 48 * HOUR_MS };
const GAP_MS = { min: 2 * HOUR_MS, max: 6 * HOUR_MS };
const DRIFT_MS = { min: 6 * HOUR_MS, max: 24 * HOUR_MS };

const between = (range: { min: number; max: number }, u: number) => range.min + (range.max - range.min) * u;

/** Validates rates: each in [0, 1] and their sum at most 1 (at most one fault starts per reading). */
export function checkFaultRates(rates: FaultRates): FaultRates {
  let sum = 0;
  for (const [kind, rate] of Object.entries(rates)) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `unknown fault kind "${kind}"; known: ${FAULT_KINDS.join(', ')}`,
      );
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `fault rate ${kind}=${String(rate)} is not a probability in [0, 1]`,
      );
    sum += rate;
  }
  if (sum > 1)
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `fault rates add up to ${sum}, more than 1 per reading`,
    );
  return rates;
}

/**
 * A fault injector drawing from `seed`: each draw is a function of the seed, the meter and the
 * reading's time, so the same run injects the same faults whatever the batch sizes.
 */
export function createFaultInjector({
  rates,
  seed,
  record,
}: {
  readonly rates: FaultRates;
  readonly seed: number;
  readonly record: (fault: GroundTruthFault) => void;
}): FaultInjector {
  checkFaultRates(rates);
  const meters = new Map<string, MeterState>();
  const active = FAULT_KINDS.filter((k) => (rates[k] ?? 0) > 0);

  const closeSpan = (reading: Pick<SensorReading, 'meterId' | 'buildingId'>, span: OpenSpan): void => {
    record({
      kind: span.kind,
      meterId: reading.meterId,
      buildingId: reading.buildingId,
      from: span.from.toISOString(),
      to: span.to.toISOString(),
      eventIds: span.eventIds,
      parameters: { ...span.parameters, readings: span.readings },
    });
  };

  const startingFault = (r: SensorReading): FaultKind | undefined => {
    if (active.length === 0) return undefined;
    const u = uniform(seed, 'fault', r.meterId, r.occurredAt.getTime());
    let cumulative = 0;
    for (const kind of active) {
      cumulative += rates[kind] ?? 0;
      if (u < cumulative) return kind;
    }
    return undefined;
  };

  /** Applies an open span to a reading; undefined when the span has ended before it. */
  const inSpan = (state: MeterState, r: SensorReading): SensorReading[] | undefined => {
    const span = state.span;
    if (span === undefined) return undefined;
    if (r.occurredAt.getTime() > span.untilMs) {
      closeSpan(r, span);
      state.span = undefined;
      return undefined;
    }
    span.readings += 1;
    span.to = r.occurredAt;
    span.eventIds.push(r.eventId);
    if (span.kind === 'gap') return [];
    if (span.kind === 'flatline') return [{ ...r, value: span.stuckValue }];
    const offset = span.driftStepMs * span.readings;
    span.parameters.maxOffsetMs = offset;
    return [{ ...r, occurredAt: new Date(r.occurredAt.getTime() + offset) }];
  };

  const startFault = (
    state: MeterState,
    r: SensorReading,
    kind: FaultKind,
    intervalMs: number,
  ): SensorReading[] => {
    const u = (name: string) => uniform(seed, name, r.meterId, r.occurredAt.getTime());
    const point = (parameters: Record<string, number | string>) =>
      record({
        kind,
        meterId: r.meterId,
        buildingId: r.buildingId,
        from: r.occurredAt.toISOString(),
        to: r.occurredAt.toISOString(),
        eventIds: [r.eventId],
        parameters,
      });
    const span = (untilMs: number, extra: Partial<OpenSpan>, parameters: Record<string, number | string>) => {
      state.span = {
        kind: kind as OpenSpan['kind'],
        untilMs: r.occurredAt.getTime() + untilMs,
        from: r.occurredAt,
        to: r.occurredAt,
        eventIds: [],
        parameters,
        stuckValue: r.value,
        driftStepMs: 0,
        readings: 0,
        ...extra,
      };
      return inSpan(state, r) ?? [r];
    };
    switch (kind) {
      case 'spike': {
        const factor = Math.round((6 + 6 * u('spike-factor')) * 100) / 100;
        point({ factor });
        return [{ ...r, value: Math.round(r.value * factor * 10_000) / 10_000 }];
      }
      case 'unit_mixup':
        point({ factor: 1000, reportedAs: 'Wh', unit: r.unit });
        return [{ ...r, value: r.value * 1000 }];
      case 'duplicate':
        point({ copies: 2 });
        return [r, r];
      case 'late': {
        const heldBackReadings = 2 + Math.floor(5 * u('late-readings'));
        point({ heldBackReadings });
        state.held = { reading: r, remaining: heldBackReadings };
        return [];
      }
      case 'flatline':
        return span(between(FLATLINE_MS, u('flatline-span')), {}, { stuckValue: r.value });
      case 'gap':
        return span(Math.max(between(GAP_MS, u('gap-span')), 2 * intervalMs), {}, {});
      case 'clock_drift': {
        const driftStepMs = Math.round(intervalMs * (0.05 + 0.15 * u('drift-step')));
        return span(between(DRIFT_MS, u('drift-span')), { driftStepMs }, { driftMsPerReading: driftStepMs });
      }
    }
  };

  return {
    apply(reading, intervalMs) {
      let state = meters.get(reading.meterId);
      if (state === undefined) {
        state = { meterId: reading.meterId, buildingId: reading.buildingId };
        meters.set(reading.meterId, state);
      }
      let out = inSpan(state, reading);
      if (out === undefined) {
        const kind = state.held === undefined ? startingFault(reading) : undefined;
        out = kind === undefined ? [reading] : startFault(state, reading, kind, intervalMs);
      }
      const held = state.held;
      if (held !== undefined && held.reading !== reading) {
        held.remaining -= 1;
        if (held.remaining <= 0) {
          out = [...out, held.reading];
          state.held = undefined;
        }
      }
      return out;
    },
    finish() {
      const released: SensorReading[] = [];
      for (const state of meters.values()) {
        if (state.span !== undefined) closeSpan(state, state.span);
        state.span = undefined;
        if (state.held !== undefined) released.push(state.held.reading);
        state.held = undefined;
      }
      return released;
    },
  };
}
