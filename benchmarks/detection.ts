import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { preparePlatform, runProcessors, runProjector } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { HOUR_MS, TOPICS } from '../schemas/index.ts';
import {
  createGroundTruthFile,
  FAULT_KINDS,
  type FaultKind,
  type FaultRates,
  type GroundTruthFault,
  loadBdg1Fleet,
  loadBdg1WeatherReplay,
  runSimulation,
} from '../sources/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';

/** The fault kind each data-quality issue kind is evidence of, for per-kind precision. */
const ISSUE_KIND_FAULT: Readonly<Record<string, FaultKind>> = {
  spike: 'spike',
  stuck_value: 'flatline',
  gap: 'gap',
  unit_mismatch: 'unit_mixup',
  out_of_range: 'unit_mixup',
  duplicate: 'duplicate',
  out_of_order: 'late',
  future_timestamp: 'clock_drift',
};

/** Default rates: a few of each kind per meter-month at one reading an hour. */
const DEFAULT_FAULTS =
  'spike=0.004,flatline=0.0005,gap=0.002,unit_mixup=0.002,duplicate=0.003,late=0.003,clock_drift=0.0005';

interface Detection {
  readonly meterId: string;
  /** The reading the detection is about (the issue's reading, or the anomalous reading). */
  readonly at: number;
  readonly kind: string;
}

/** Whether a detection falls on a fault: same meter, within the fault's span widened by the detectors' reach. */
function covers(fault: GroundTruthFault, d: Detection, intervalMs: number): boolean {
  if (fault.meterId !== d.meterId) return false;
  const drift = Number(fault.parameters.maxOffsetMs ?? 0);
  // A gap is seen at the first reading after it; a late or drifted reading carries a shifted time.
  const after = Math.max(2 * intervalMs, drift + intervalMs);
  return d.at >= Date.parse(fault.from) - intervalMs && d.at <= Date.parse(fault.to) + after;
}

interface Score {
  faults: number;
  recalled: number;
  detections: number;
  truePositives: number;
}

const ratio = (n: number, d: number) => (d === 0 ? Number.NaN : Math.round((n / d) * 1000) / 1000);

/**
 * Simulated fleet with faults → processors → projector; then the data-quality issues and anomalies
 * read models are scored against the simulator's ground truth: recall per fault kind (faults with at
 * least one detection on them) and precision (detections that fall on a fault of the kind they name;
 * for anomalies, on any fault).
 */
export async function detectionBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<Record<string, number | string>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      buildings: { type: 'string', default: '20' },
      weeks: { type: 'string', default: '6' },
      seed: { type: 'string', default: '1' },
      faults: { type: 'string', default: DEFAULT_FAULTS },
      'ground-truth': { type: 'string', default: '.stack/bench-detection-ground-truth.jsonl' },
      'settle-seconds': { type: 'string', default: '10' },
    },
  });
  const intervalMs = HOUR_MS;
  const weeks = Number(values.weeks);
  const seed = Number(values.seed);
  const faults: FaultRates = Object.fromEntries(
    values.faults.split(',').map((pair) => {
      const [kind, rate] = pair.split('=');
      return [kind, Number(rate)];
    }),
  );
  const id = randomBytes(3).toString('hex');
  const platform = connectBenchPlatform(config, endpoints, id);
  try {
    await preparePlatform(platform);
    const processors = await runProcessors(platform);
    const projector = await runProjector(platform);
    const weather = await loadBdg1WeatherReplay();
    const fleet = await loadBdg1Fleet(Number(values.buildings), seed, weather.stationIds);
    const truth: GroundTruthFault[] = [];
    const file = await createGroundTruthFile(values['ground-truth']);
    // A Monday at midnight UTC, so every run covers the same weeks of the year and the same holidays.
    const start = new Date(Date.UTC(2026, 0, 5));
    const produceStart = performance.now();
    const summary = await runSimulation(
      {
        producer: await platform.producer(),
        codec: platform.codec,
        names: platform.names,
        logger: platform.logger,
      },
      {
        fleet,
        temperatures: weather,
        observations: weather,
        seed,
        intervalMs,
        speed: Number.POSITIVE_INFINITY,
        backfillMs: 0,
        start,
        until: new Date(start.getTime() + weeks * 7 * 24 * HOUR_MS - intervalMs),
        faults,
        groundTruth: {
          record: (f) => {
            truth.push(f);
            file.record(f);
          },
          close: () => file.close(),
        },
      },
    );
    await file.close();
    const produceMs = performance.now() - produceStart;

    // Settled when the read models stop changing for a while (the processors' outputs are projected).
    const counts = async () => {
      const { rows } = await platform.pool.query<{ r: string; q: string; a: string }>(
        `SELECT (SELECT count(*) FROM readings) AS r, (SELECT count(*) FROM data_quality_issues) AS q,
                (SELECT count(*) FROM anomalies) AS a`,
      );
      return JSON.stringify(rows[0]);
    };
    const settleMs = Number(values['settle-seconds']) * 1000;
    let last = '';
    let stableSince = performance.now();
    for (;;) {
      const now = await counts();
      if (now !== last) {
        last = now;
        stableSince = performance.now();
      } else if (performance.now() - stableSince >= settleMs) break;
      await delay(500);
    }
    await processors.stop();
    await projector.stop();

    const issues: Detection[] = (
      await platform.pool.query<{ meter_id: string; at: Date; kind: string }>(
        'SELECT meter_id, coalesce(reading_at, occurred_at) AS at, issue_kind AS kind FROM data_quality_issues',
      )
    ).rows.map((r) => ({ meterId: r.meter_id, at: r.at.getTime(), kind: r.kind }));
    const anomalies: Detection[] = (
      await platform.pool.query<{ meter_id: string; at: Date }>(
        'SELECT meter_id, reading_at AS at FROM anomalies',
      )
    ).rows.map((r) => ({ meterId: r.meter_id, at: r.at.getTime(), kind: 'anomaly' }));

    const figures: Record<string, number | string> = {
      buildings: summary.buildings,
      meters: summary.meters,
      weeks,
      readingsProduced: summary.readings,
      produceReadingsPerS: Math.round((summary.readings / produceMs) * 1000),
      faults: truth.length,
      qualityIssues: issues.length,
      anomalies: anomalies.length,
    };
    for (const kind of FAULT_KINDS) {
      const ofKind = truth.filter((f) => f.kind === kind);
      const issueKinds = Object.keys(ISSUE_KIND_FAULT).filter((k) => ISSUE_KIND_FAULT[k] === kind);
      const named = issues.filter((d) => issueKinds.includes(d.kind));
      const quality: Score = {
        faults: ofKind.length,
        recalled: ofKind.filter((f) => issues.some((d) => covers(f, d, intervalMs))).length,
        detections: named.length,
        truePositives: named.filter((d) => ofKind.some((f) => covers(f, d, intervalMs))).length,
      };
      figures[`${kind}.faults`] = ofKind.length;
      figures[`${kind}.quality.recall`] = ratio(quality.recalled, quality.faults);
      figures[`${kind}.quality.precision`] = ratio(quality.truePositives, quality.detections);
      figures[`${kind}.anomaly.recall`] = ratio(
        ofKind.filter((f) => anomalies.some((d) => covers(f, d, intervalMs))).length,
        ofKind.length,
      );
    }
    figures['quality.precision'] = ratio(
      issues.filter((d) => truth.some((f) => covers(f, d, intervalMs))).length,
      issues.length,
    );
    figures['anomaly.precision'] = ratio(
      anomalies.filter((d) => truth.some((f) => covers(f, d, intervalMs))).length,
      anomalies.length,
    );
    figures.groundTruth = values['ground-truth'];
    return figures;
  } finally {
    const { rows: schemas } = await platform.pool
      .query<{ nspname: string }>(
        "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
        [`bench_${id}`],
      )
      .catch(() => ({ rows: [] as { nspname: string }[] }));
    for (const { nspname } of schemas)
      await platform.pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
    const admin = platform.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: Object.values(TOPICS).flatMap((t) => [
          `bench.${id}.${t.name}`,
          `bench.${id}.${t.deadLetterTopic}`,
        ]),
      })
      .catch(() => undefined);
    await admin.disconnect();
    const keys = await platform.redis.keys(`bench:${id}:*`);
    if (keys.length > 0) await platform.redis.del(...keys.map((k) => k.slice(`bench:${id}:`.length)));
    await platform.close();
  }
}
