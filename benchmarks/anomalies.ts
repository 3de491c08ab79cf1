import { parseArgs } from 'node:util';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { evaluateDetection } from '../processors/anomalies/index.ts';

export interface AnomaliesFigures {
  readonly weeks: number;
  readonly meters: number;
  readonly seed: number;
  readonly readings: number;
  readonly injected: number;
  readonly detections: number;
  readonly precision: number;
  readonly alertPrecision: number;
  readonly recall: number;
  readonly f1: number;
  readonly falseAlarmsPerMeterWeek: number;
  readonly readingsPerS: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Precision, recall and throughput of `detectAnomalies` with default options on synthetic office load
 * with injected spikes, drops, night plateaus and level shifts (the evaluation the unit tests run).
 * Needs no services; the config and endpoints are taken only to fit the benchmark registry. Knobs:
 * `--weeks` (default 12), `--meters` (default 6), `--seed` (default 1). readingsPerS times the
 * operator alone, not the data generation.
 */
export async function anomaliesBenchmark(
  _config: EaioConfig,
  _endpoints: StackEndpoints,
  argv: string[],
): Promise<AnomaliesFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weeks: { type: 'string', default: '12' },
      meters: { type: 'string', default: '6' },
      seed: { type: 'string', default: '1' },
    },
  });
  const weeks = Number(values.weeks);
  const meters = Number(values.meters);
  const seed = Number(values.seed);
  const r = evaluateDetection({ weeks, meters, seed });
  return {
    weeks,
    meters,
    seed,
    readings: r.readings,
    injected: r.injected,
    detections: r.detections,
    precision: round3(r.precision),
    alertPrecision: round3(r.alertPrecision),
    recall: round3(r.recall),
    f1: round3(r.f1),
    falseAlarmsPerMeterWeek: round3(r.falseAlarmsPerMeterWeek),
    readingsPerS: Math.round((r.readings / r.detectMs) * 1000),
  };
}
