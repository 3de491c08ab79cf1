import type { DataQualityIssue, QualityFlag, ReadingUnit, SensorReading } from '../../schemas/index.ts';
import { DATA_QUALITY_ISSUE_KINDS, derivedEventId, QUALITY_FLAGS } from '../../schemas/index.ts';
import { requireMeasurable } from '../readings-validation/index.ts';
import type { Finding, StuckRun } from './checks.ts';
import {
  checkFuture,
  checkGap,
  checkRange,
  checkSpike,
  checkUnit,
  duplicateFinding,
  stepStuckRun,
} from './checks.ts';
import { RingBuffer } from './ring-buffer.ts';
import type { DataQualityConfig, QualityRules } from './rules.ts';
import { DATA_QUALITY_SOURCE, rulesFor } from './rules.ts';

/** One element of the operator's output: every input reading once (flagged), and the issues found. */
export type DataQualityOutput =
  | { readonly kind: 'reading'; readonly reading: SensorReading }
  | { readonly kind: 'issue'; readonly issue: DataQualityIssue };

/**
 * The data-quality state machine behind `dataQuality`, one per subscription. `ingest` returns the
 * reading (flagged, normalised) followed by its issues; every decision depends only on the sequence of
 * readings, never on the clock.
 */
export interface DataQualityChecker {
  ingest(reading: SensorReading): DataQualityOutput[];
  /** The stream's time: the largest trusted event time of any meter (epoch ms; -Infinity before any). */
  readonly streamTime: number;
  /** Meters with state (each bounded; see {@link DataQualityChecker.heldFor}). */
  readonly meters: number;
  /** What is remembered of one meter: timestamps for duplicates and values for spikes, each a ring buffer. */
  heldFor(meterId: string): { readonly timestamps: number; readonly values: number } | undefined;
}

/** Everything remembered of one meter: a few scalars and two ring buffers, so bounded by its rules. */
interface MeterState {
  buildingId: string;
  meterKind: SensorReading['meterKind'];
  rules: QualityRules;
  /** Unit of the meter's previous reading, as sent. */
  lastUnit: ReadingUnit | undefined;
  /** Largest trusted event time of this meter (-Infinity before one). */
  latestAt: number;
  /** Recent distinct timestamps (by arrival), with the first canonical value seen at each. */
  recentTimes: RingBuffer<number>;
  firstValueAt: Map<number, number>;
  /** Canonical values of the last in-order readings, for spikes. */
  history: RingBuffer<number>;
  run: StuckRun | null;
}

function newMeter(reading: SensorReading, rules: QualityRules): MeterState {
  return {
    buildingId: reading.buildingId,
    meterKind: reading.meterKind,
    rules,
    lastUnit: undefined,
    latestAt: Number.NEGATIVE_INFINITY,
    recentTimes: new RingBuffer(rules.duplicateWindow),
    firstValueAt: new Map(),
    history: new RingBuffer(rules.spikeWindow),
    run: null,
  };
}

/** A ring with the newest items of `old` that fit `capacity`. */
function resized<T>(old: RingBuffer<T>, capacity: number): RingBuffer<T> {
  const ring = new RingBuffer<T>(capacity);
  for (const item of old.toArray().slice(-capacity)) ring.push(item);
  return ring;
}

/**
 * A meter that now reports another building or kind (a re-registration) is judged by the rules of
 * its new identity; values in another canonical unit are not comparable, so value memory restarts.
 */
function reidentify(meter: MeterState, reading: SensorReading, rules: QualityRules): void {
  const unitChanged = rules.canonicalUnit !== meter.rules.canonicalUnit;
  meter.buildingId = reading.buildingId;
  meter.meterKind = reading.meterKind;
  meter.rules = rules;
  meter.recentTimes = resized(meter.recentTimes, rules.duplicateWindow);
  const kept = new Set(meter.recentTimes.toArray());
  for (const t of [...meter.firstValueAt.keys()]) if (!kept.has(t)) meter.firstValueAt.delete(t);
  meter.history = unitChanged ? new RingBuffer(rules.spikeWindow) : resized(meter.history, rules.spikeWindow);
  if (unitChanged) meter.run = null;
}

/**
 * The issue's id and reading time. Issues about one reading are identified by that reading's eventId
 * (so a redelivered reading yields the same issue ids, which idempotent consumers apply once); a gap
 * by its two ends; a stuck run by its start, which makes its one report per run stable across replays.
 */
function identify(
  finding: Finding,
  reading: SensorReading,
  t: number,
): { id: string; readingAt: Date | null } {
  const { issueKind, evidence } = finding;
  const base = ['data-quality-issue', reading.meterId, issueKind] as const;
  switch (issueKind) {
    case 'gap':
      return { id: derivedEventId(...base, evidence.gapFrom ?? '', evidence.gapTo ?? ''), readingAt: null };
    case 'stuck_value':
      return { id: derivedEventId(...base, evidence.runFrom ?? ''), readingAt: null };
    default:
      return { id: derivedEventId(...base, reading.eventId), readingAt: new Date(t) };
  }
}

const KIND_ORDER = new Map(DATA_QUALITY_ISSUE_KINDS.map((k, i) => [k, i]));

/** Creates the state machine for one stream of readings. */
export function createDataQualityChecker(config: DataQualityConfig): DataQualityChecker {
  const { maxFutureMs, futureQuorum } = config;
  const meters = new Map<string, MeterState>();
  /** Latest quarantined (future) event time per meter: claims that the stream's time has moved on. */
  const futureClaims = new Map<string, number>();
  let streamTime = Number.NEGATIVE_INFINITY;

  /**
   * Records that `meterId` claims the stream's time has reached `t`, more than `maxFutureMs` past
   * what it was; returns whether the claim is now vouched for. One meter far ahead is a bad clock;
   * `futureQuorum` distinct meters ahead together (capped at the meters seen, so a one-meter stream
   * vouches for itself: it has nothing to be judged against) mean the feed itself jumped, after an
   * outage or as a backfill reaches the present, and the stream's time moves to the latest time they
   * all reached. Without this, one jump would quarantine every later reading forever.
   */
  function vouchFor(meterId: string, t: number): boolean {
    futureClaims.set(meterId, Math.max(futureClaims.get(meterId) ?? t, t));
    const quorum = Math.min(futureQuorum, meters.size);
    const ahead = [...futureClaims.values()]
      .filter((c) => c - streamTime > maxFutureMs)
      .sort((a, b) => b - a);
    const vouched = ahead[quorum - 1];
    if (vouched !== undefined) streamTime = vouched;
    for (const [m, c] of futureClaims) if (!(c - streamTime > maxFutureMs)) futureClaims.delete(m);
    return t - streamTime <= maxFutureMs;
  }

  function ingest(reading: SensorReading): DataQualityOutput[] {
    const t = requireMeasurable(reading, 'judging their quality');
    let meter = meters.get(reading.meterId);
    if (meter === undefined) {
      meter = newMeter(reading, rulesFor(config.rules, reading));
      meters.set(reading.meterId, meter);
    } else if (meter.buildingId !== reading.buildingId || meter.meterKind !== reading.meterKind) {
      reidentify(meter, reading, rulesFor(config.rules, reading));
    }
    const { rules } = meter;
    const findings: Finding[] = [];
    const flags = new Set<QualityFlag>(reading.qualityFlags ?? []);
    const keep = (f: Finding | null): f is Finding => {
      if (f === null) return false;
      findings.push(f);
      if (f.flag !== null) flags.add(f.flag);
      return true;
    };

    const unit = checkUnit(reading.value, reading.unit, meter.lastUnit, rules);
    meter.lastUnit = reading.unit;
    keep(unit.finding);
    const { value } = unit;
    if (unit.commensurable) keep(checkRange(value, rules));

    // The stream's time, not the wall clock: a replay of last year's log must judge exactly as the live
    // run did, and a backfill is not "in the future" of anything. What the stream has reached (over all
    // meters, so one meter's bad clock stands out against the others) is the only present it has.
    const future = checkFuture(t, streamTime, maxFutureMs);
    if (future !== null && !vouchFor(reading.meterId, t)) {
      // Quarantined: it moves neither the meter's latest time nor the stream's, and enters no history.
      keep(future);
    } else {
      streamTime = Math.max(streamTime, t);
      futureClaims.delete(reading.meterId);
      if (t < meter.latestAt) flags.add('out_of_order');
      const firstValue = meter.firstValueAt.get(t);
      if (firstValue !== undefined) {
        keep(duplicateFinding(t, value, firstValue));
      } else {
        const evicted = meter.recentTimes.push(t);
        if (evicted !== undefined) meter.firstValueAt.delete(evicted);
        meter.firstValueAt.set(t, value);
        if (unit.commensurable) keep(checkSpike(value, meter.history.toArray(), rules));
        if (t > meter.latestAt) {
          // A gap ends a flatline: what the meter did in between is unknown.
          if (Number.isFinite(meter.latestAt) && keep(checkGap(meter.latestAt, t, rules))) meter.run = null;
          meter.latestAt = t;
          if (unit.commensurable) {
            meter.history.push(value);
            const step = stepStuckRun(meter.run, t, value, rules);
            meter.run = step.run;
            if (step.stuck) flags.add('stuck');
            keep(step.finding);
          }
        }
      }
    }

    const out: DataQualityOutput[] = [
      {
        kind: 'reading',
        reading: {
          ...reading,
          value,
          unit: unit.unit,
          qualityFlags: QUALITY_FLAGS.filter((f) => flags.has(f)),
        },
      },
    ];
    // Found at the reading's event time, but never later than the stream's trusted time (a future
    // reading's issue is found "now", in stream time).
    const occurredAt = new Date(Math.min(t, streamTime));
    findings.sort((a, b) => (KIND_ORDER.get(a.issueKind) ?? 0) - (KIND_ORDER.get(b.issueKind) ?? 0));
    for (const finding of findings) {
      const { id, readingAt } = identify(finding, reading, t);
      out.push({
        kind: 'issue',
        issue: {
          eventId: id,
          occurredAt,
          source: DATA_QUALITY_SOURCE,
          buildingId: reading.buildingId,
          meterId: reading.meterId,
          issueKind: finding.issueKind,
          readingAt,
          evidence: finding.evidence,
          severity: finding.severity,
          traceContext: reading.traceContext ?? null,
        },
      });
    }
    return out;
  }

  return {
    ingest,
    get streamTime() {
      return streamTime;
    },
    get meters() {
      return meters.size;
    },
    heldFor(meterId) {
      const meter = meters.get(meterId);
      return meter === undefined
        ? undefined
        : { timestamps: meter.firstValueAt.size, values: meter.history.size };
    },
  };
}
