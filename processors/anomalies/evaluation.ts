/**
 * Offline evaluation of {@link detectAnomalies}: synthetic hourly load of occupied buildings with
 * labelled injected anomalies, and precision/recall of the detector against the labels. Used by the
 * unit tests and `benchmarks/anomalies.ts`; deterministic for a given seed.
 */
import { from } from 'rxjs';
import type { AnomalyDetected, SensorReading } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { detectAnomalies } from './detect-anomalies.ts';
import { createHourOfWeek } from './hour-of-week.ts';
import type { DetectAnomaliesOptions } from './options.ts';
import { ANOMALY_DEFAULTS } from './options.ts';

const WEEK_HOURS = 168;

/** Kinds of injected anomaly. */
export const INJECTED_KINDS = ['spike', 'drop', 'night-plateau', 'level-shift'] as const;
/** Kind of an injected anomaly: ×3 for an hour, ×0.1 for 3 h, daytime load for 6 night hours, ×1.35 for 2 days. */
export type InjectedKind = (typeof INJECTED_KINDS)[number];

/** One injected anomaly: the readings of `meterId` with readingAt in [from, to] (epoch ms) are altered. */
export interface InjectedAnomaly {
  readonly meterId: string;
  readonly kind: InjectedKind;
  readonly from: number;
  readonly to: number;
}

/** Knobs of {@link syntheticLoad}. */
export interface SyntheticLoadOptions {
  /** Weeks of hourly readings per meter. */
  readonly weeks: number;
  /** Number of meters, spread over buildings in three time zones. */
  readonly meters: number;
  /** Seed of the generator: same seed, same readings and labels. */
  readonly seed: number;
  /** No anomaly is injected in the first this many weeks (the detector's warm-up). Default minSamples + 1. */
  readonly quietWeeks?: number;
  /** First hour (UTC, epoch ms). Default 2024-01-01T00:00Z, so the spring DST change falls inside. */
  readonly start?: number;
}

/** Readings (in time order, meters interleaved) and what was injected into them. */
export interface SyntheticLoad {
  readonly readings: readonly SensorReading[];
  readonly labels: readonly InjectedAnomaly[];
  /** The building time zones the readings were shaped in; pass as the detector's timezoneOf. */
  readonly timezoneOf: (buildingId: string) => string;
}

/** Buildings of the synthetic fleet: one whole-hour zone with DST on each side of the Atlantic, one half-hour zone. */
const BUILDINGS: readonly { readonly buildingId: string; readonly timeZone: string }[] = [
  { buildingId: 'Synthetic_NewYork', timeZone: 'America/New_York' },
  { buildingId: 'Synthetic_London', timeZone: 'Europe/London' },
  { buildingId: 'Synthetic_Kolkata', timeZone: 'Asia/Kolkata' },
];

/** mulberry32: a small seeded PRNG with uniform output in [0, 1), shared by the synthetic data sets of tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function gaussian(random: () => number): number {
  // Box–Muller; 1 − u keeps the logarithm away from 0.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Load shape of an office by local hour of week, as a fraction of the occupied plateau: demo-feed's
 * night 0.45 / day 1.0, with ramps around opening hours, a lunch dip, and quiet weekends.
 */
export function occupancyShape(hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  const hour = hourOfWeek % 24;
  if (day >= 5) return hour >= 9 && hour < 17 ? 0.52 : 0.42;
  const weekday = [
    0.42, 0.42, 0.42, 0.42, 0.42, 0.5, 0.7, 0.9, 1, 1, 1, 1, 0.95, 1, 1, 1, 1, 0.9, 0.7, 0.55, 0.47, 0.45,
    0.43, 0.42,
  ];
  return weekday[hour] ?? 0.42;
}

/**
 * Hourly readings of several meters shaped by {@link occupancyShape} in each building's local time,
 * with seeded noise (a daily factor of 4 % for weather, 3 % per hour with 2 % of hours at 8 %, a slow
 * ±6 % drift), and per meter, after the quiet weeks: two spikes, a drop, a night plateau and a level
 * shift at random, non-overlapping times.
 */
export function syntheticLoad(options: SyntheticLoadOptions): SyntheticLoad {
  const random = seededRandom(options.seed);
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const hours = options.weeks * WEEK_HOURS;
  const quietWeeks = options.quietWeeks ?? ANOMALY_DEFAULTS.minSamples + 1;
  const slotOf = createHourOfWeek();

  const meters = Array.from({ length: options.meters }, (_, i) => {
    const building = BUILDINGS[i % BUILDINGS.length] ?? BUILDINGS[0];
    if (building === undefined) throw new Error('no buildings');
    return {
      meterId: `${building.buildingId}:m${i}`,
      building,
      level: 30 + 170 * random(),
      phase: 2 * Math.PI * random(),
    };
  });

  const labels: InjectedAnomaly[] = [];
  /** Per meter, hour index → multiplier or replacement shape of the injected anomaly. */
  const injections = meters.map(() => new Map<number, { factor?: number; shape?: number }>());
  const readingAt = (h: number) => start + (h + 1) * HOUR_MS;
  const localSlot = (h: number, timeZone: string) => slotOf(start + h * HOUR_MS, timeZone);

  meters.forEach((meter, m) => {
    const taken: [number, number][] = [];
    const injected = injections[m] ?? new Map();
    const free = (a: number, b: number) => taken.every(([x, y]) => b + 24 < x || a > y + 24);
    const inject = (
      kind: InjectedKind,
      length: number,
      pick: (h: number) => boolean,
      effect: (h: number) => { factor?: number; shape?: number },
    ) => {
      const first = quietWeeks * WEEK_HOURS;
      for (let attempt = 0; attempt < 1000; attempt++) {
        const h = first + Math.floor(random() * (hours - first - length));
        if (!pick(h) || !free(h, h + length - 1)) continue;
        taken.push([h, h + length - 1]);
        for (let k = h; k < h + length; k++) injected.set(k, effect(k));
        labels.push({ meterId: meter.meterId, kind, from: readingAt(h), to: readingAt(h + length - 1) });
        return;
      }
      throw new RangeError(`No room to inject a ${kind} into ${options.weeks} weeks`);
    };
    const tz = meter.building.timeZone;
    inject(
      'spike',
      1,
      () => true,
      () => ({ factor: 3 }),
    );
    inject(
      'spike',
      1,
      () => true,
      () => ({ factor: 3 }),
    );
    inject(
      'drop',
      3,
      () => true,
      () => ({ factor: 0.1 }),
    );
    // From 22:00 local on a Monday to Thursday night, six hours at the occupied plateau.
    inject(
      'night-plateau',
      6,
      (h) => {
        const s = localSlot(h, tz);
        return s % 24 === 22 && s < 4 * 24;
      },
      () => ({ shape: 1 }),
    );
    inject(
      'level-shift',
      48,
      () => true,
      () => ({ factor: 1.35 }),
    );
  });

  const readings: SensorReading[] = [];
  const dailyFactor = meters.map(() => 1);
  for (let h = 0; h < hours; h++) {
    meters.forEach((meter, m) => {
      if (h % 24 === 0) dailyFactor[m] = 1 + 0.04 * gaussian(random);
      const injected = injections[m]?.get(h);
      const shape = injected?.shape ?? occupancyShape(localSlot(h, meter.building.timeZone));
      const drift = 1 + 0.06 * Math.sin((2 * Math.PI * h) / (16 * WEEK_HOURS) + meter.phase);
      const hourly = 1 + (random() < 0.02 ? 0.08 : 0.03) * gaussian(random);
      const value = meter.level * shape * drift * (dailyFactor[m] ?? 1) * hourly * (injected?.factor ?? 1);
      const at = new Date(readingAt(h));
      readings.push({
        eventId: `${meter.meterId}@${at.toISOString()}`,
        occurredAt: at,
        source: 'synthetic-load',
        buildingId: meter.building.buildingId,
        meterId: meter.meterId,
        meterKind: 'electricity',
        value: Math.round(value * 1000) / 1000,
        unit: 'kWh',
      });
    });
  }

  const zones = new Map(BUILDINGS.map((b) => [b.buildingId, b.timeZone]));
  return {
    readings,
    labels,
    timezoneOf: (buildingId) => zones.get(buildingId) ?? 'UTC',
  };
}

/** Precision and recall of detections against injected labels. */
export interface DetectionScore {
  readonly detections: number;
  /** Detections whose readingAt lies in an injected interval of the same meter. */
  readonly truePositives: number;
  readonly falsePositives: number;
  /** Injected anomalies with at least one detection inside their interval. */
  readonly hits: number;
  readonly injected: number;
  /** truePositives / detections (1 with no detections); long injected anomalies weigh in by the hour. */
  readonly precision: number;
  /** Alerts: runs of detections of one meter in consecutive hours, as a person would see them. */
  readonly alerts: number;
  /** Alerts with at least one true positive / alerts (1 with no alerts): precision one alert per run. */
  readonly alertPrecision: number;
  /** hits / injected (1 with nothing injected). */
  readonly recall: number;
  readonly f1: number;
  /** Recall per kind of injected anomaly. */
  readonly recallByKind: Readonly<Record<InjectedKind, number>>;
  /** False positives per scored meter-week (after warm-up): the alert load a person would see. */
  readonly falseAlarmsPerMeterWeek: number;
}

function alertsOf(
  anomalies: readonly AnomalyDetected[],
  labels: readonly InjectedAnomaly[],
): { alerts: number; trueAlerts: number } {
  const sorted = [...anomalies].sort(
    (a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0) || +a.readingAt - +b.readingAt,
  );
  let alerts = 0;
  let trueAlerts = 0;
  let current: { meterId: string; last: number; hit: boolean } | undefined;
  const close = () => {
    if (current === undefined) return;
    alerts++;
    if (current.hit) trueAlerts++;
  };
  for (const a of sorted) {
    const t = a.readingAt.getTime();
    const hit = labels.some((l) => l.meterId === a.meterId && l.from <= t && t <= l.to);
    if (current !== undefined && current.meterId === a.meterId && t - current.last <= HOUR_MS) {
      current.last = t;
      current.hit ||= hit;
      continue;
    }
    close();
    current = { meterId: a.meterId, last: t, hit };
  }
  close();
  return { alerts, trueAlerts };
}

/**
 * Scores detections: a detection inside an injected interval of its meter is a true positive (and a
 * hit for that anomaly), any other a false positive. Precision counts detections, recall anomalies,
 * so a 48-hour level shift is one anomaly however many of its hours are flagged. `scoredMeterWeeks`
 * (meters × weeks after warm-up) is the exposure false alarms are counted over.
 */
export function scoreDetections(
  anomalies: readonly AnomalyDetected[],
  labels: readonly InjectedAnomaly[],
  scoredMeterWeeks: number,
): DetectionScore {
  const hit = new Set<InjectedAnomaly>();
  let truePositives = 0;
  for (const anomaly of anomalies) {
    const t = anomaly.readingAt.getTime();
    const label = labels.find((l) => l.meterId === anomaly.meterId && l.from <= t && t <= l.to);
    if (label === undefined) continue;
    truePositives++;
    hit.add(label);
  }
  const precision = anomalies.length === 0 ? 1 : truePositives / anomalies.length;
  const recall = labels.length === 0 ? 1 : hit.size / labels.length;
  const recallOf = (kind: InjectedKind) => {
    const ofKind = labels.filter((l) => l.kind === kind);
    return ofKind.length === 0 ? 1 : ofKind.filter((l) => hit.has(l)).length / ofKind.length;
  };
  const falsePositives = anomalies.length - truePositives;
  const { alerts, trueAlerts } = alertsOf(anomalies, labels);
  return {
    detections: anomalies.length,
    truePositives,
    falsePositives,
    hits: hit.size,
    injected: labels.length,
    precision,
    alerts,
    alertPrecision: alerts === 0 ? 1 : trueAlerts / alerts,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    recallByKind: {
      spike: recallOf('spike'),
      drop: recallOf('drop'),
      'night-plateau': recallOf('night-plateau'),
      'level-shift': recallOf('level-shift'),
    },
    falseAlarmsPerMeterWeek: scoredMeterWeeks === 0 ? 0 : falsePositives / scoredMeterWeeks,
  };
}

/** Runs {@link detectAnomalies} over readings synchronously and returns what it emitted. */
export function runDetection(
  readings: readonly SensorReading[],
  options: DetectAnomaliesOptions = {},
): AnomalyDetected[] {
  const anomalies: AnomalyDetected[] = [];
  let failure: { readonly error: unknown } | undefined;
  // `from` over an array is synchronous, so the output is complete when subscribe returns.
  from(readings)
    .pipe(detectAnomalies(options))
    .subscribe({ next: (a) => anomalies.push(a), error: (error: unknown) => (failure = { error }) });
  if (failure !== undefined) throw failure.error;
  return anomalies;
}

/** Result of {@link evaluateDetection}. */
export interface DetectionEvaluation extends DetectionScore {
  readonly readings: number;
  /** Wall-clock time of the detector alone (not the data generation), in ms. */
  readonly detectMs: number;
}

/** Generates {@link syntheticLoad}, runs the detector with the load's time zones and scores it. */
export function evaluateDetection(
  load: SyntheticLoadOptions,
  detector: Omit<DetectAnomaliesOptions, 'timezoneOf'> = {},
): DetectionEvaluation {
  const minSamples = detector.minSamples ?? ANOMALY_DEFAULTS.minSamples;
  // One quiet week beyond warm-up: slots skipped by the spring DST change warm up a week later.
  const data = syntheticLoad({ ...load, quietWeeks: load.quietWeeks ?? minSamples + 1 });
  const startedAt = performance.now();
  const anomalies = runDetection(data.readings, { ...detector, timezoneOf: data.timezoneOf });
  const detectMs = performance.now() - startedAt;
  return {
    ...scoreDetections(anomalies, data.labels, load.meters * Math.max(0, load.weeks - minSamples)),
    readings: data.readings.length,
    detectMs,
  };
}
