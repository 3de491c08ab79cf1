import type { Admin } from 'kafkajs';
import { createConsumerLagReader } from '../../infra/kafka/index.ts';
import { type StageInput, stageLag } from './partition-lag.ts';

/** A pipeline stage as the lag sampler sees it: a consumer group over its input topics. */
export interface LagStage {
  readonly name: string;
  readonly groupId: string;
  readonly inputs: readonly StageInput[];
}

/** Lag of every stage at one moment, `atS` seconds into the run, during `phase`. */
export interface LagSample {
  readonly atS: number;
  readonly phase: string;
  readonly lags: Readonly<Record<string, number>>;
}

/**
 * When the stages went idle at the end of their inputs: the time of the first sample of the trailing
 * run of identical samples in which every stage is at zero, or at most `residual[stage]` and not
 * moving (a transactional partition can end with more than one marker, e.g. an aborted batch and its
 * abort marker, that no consumer commits past). The run must be `n` samples long when all are zero,
 * `settle` when some residual remains; undefined until then.
 */
export function drainedAt(
  samples: readonly LagSample[],
  residual: Readonly<Record<string, number>> = {},
  { n = 2, settle = 6 } = {},
): number | undefined {
  const last = samples.at(-1);
  if (last === undefined) return undefined;
  const entries = Object.entries(last.lags);
  if (entries.some(([stage, lag]) => lag > (residual[stage] ?? 0))) return undefined;
  const same = (s: LagSample) => entries.every(([stage, lag]) => s.lags[stage] === lag);
  let first = samples.length - 1;
  while (first > 0 && same(samples[first - 1] as LagSample)) first -= 1;
  const length = samples.length - first;
  const needed = entries.every(([, lag]) => lag === 0) ? n : settle;
  return length >= needed ? (samples[first] as LagSample).atS : undefined;
}

/** Whether the stages are idle at the end of their inputs (see {@link drainedAt}). */
export function drained(
  samples: readonly LagSample[],
  residual: Readonly<Record<string, number>> = {},
): boolean {
  return drainedAt(samples, residual) !== undefined;
}

/** The largest lag each stage had over the samples of `phase`. */
export function maxLagByStage(samples: readonly LagSample[], phase: string): Record<string, number> {
  const max: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.phase !== phase) continue;
    for (const [stage, lag] of Object.entries(sample.lags)) max[stage] = Math.max(max[stage] ?? 0, lag);
  }
  return max;
}

/**
 * Lag over time as a compact fixed-width table: at most `rows` samples per phase (evenly picked,
 * always the first and the last, and the one with the largest total lag), one column per stage.
 */
export function formatLagTable(samples: readonly LagSample[], stages: readonly string[], rows = 12): string {
  const header = ['phase', 't(s)', ...stages];
  const lines: string[][] = [];
  const phases = [...new Set(samples.map((s) => s.phase))];
  for (const phase of phases) {
    const of = samples.filter((s) => s.phase === phase);
    const total = (s: LagSample) => Object.values(s.lags).reduce((a, b) => a + b, 0);
    const peak = of.reduce((best, s) => (total(s) > total(best) ? s : best), of[0] as LagSample);
    const step = Math.max(1, Math.ceil(of.length / rows));
    const picked = of.filter((s, i) => i % step === 0 || i === of.length - 1 || s === peak);
    for (const s of picked)
      lines.push([phase, s.atS.toFixed(1), ...stages.map((stage) => String(s.lags[stage] ?? '-'))]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [render(header), ...lines.map(render)].join('\n');
}

/** Samples every stage's lag every `intervalMs` until stopped; the phase label is set by the caller. */
export interface StageLagSampler {
  readonly samples: readonly LagSample[];
  phase: string;
  /** Resolves after the next complete sample. */
  next(): Promise<LagSample>;
  stop(): Promise<void>;
}

export function startStageLagSampler(
  admin: Admin,
  stages: readonly LagStage[],
  { intervalMs = 500, startedAt = performance.now() } = {},
): StageLagSampler {
  const reader = createConsumerLagReader({
    admin,
    groups: stages.map((s) => ({ groupId: s.groupId, topics: s.inputs.map((input) => input.topic) })),
    cacheMs: 0,
    timeoutMs: 10_000,
  });
  const samples: LagSample[] = [];
  let waiters: ((sample: LagSample) => void)[] = [];
  let stopped = false;
  const sampler: StageLagSampler = {
    samples,
    phase: 'start',
    next: () => new Promise((resolve) => waiters.push(resolve)),
    async stop() {
      stopped = true;
      await loop;
    },
  };
  const loop = (async () => {
    while (!stopped) {
      const due = performance.now() + intervalMs;
      const phase = sampler.phase;
      const lags = await reader.read().catch(() => undefined);
      if (lags !== undefined) {
        const sample: LagSample = {
          atS: Math.round((performance.now() - startedAt) / 100) / 10,
          phase,
          lags: Object.fromEntries(stages.map((s) => [s.name, stageLag(lags, s.groupId, s.inputs)])),
        };
        samples.push(sample);
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve(sample);
      }
      const wait = due - performance.now();
      if (wait > 0 && !stopped) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return sampler;
}
