import type { Command } from 'commander';
import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import {
  checkFaultRates,
  createGroundTruthFile,
  type FaultRates,
  type GroundTruthSink,
  loadBdg1Fleet,
  loadBdg1WeatherReplay,
  type PublishDeps,
  runSimulation,
  type SimulationSettings,
  type SimulationSummary,
} from '../../sources/index.ts';
import { type Platform, preparePlatform } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';
import { createProgressReporter } from './progress.ts';

const badArgument = (message: string) => new EaioError('INVALID_ARGUMENT', 'permanent', message);

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `0`, `90s`, `15m`, `6h`, `7d`, `2w` (a bare number is seconds) as milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (match === null) throw badArgument(`${flag} ${text}: write a duration such as 90s, 15m, 6h or 7d`);
  return Number(match[1]) * UNIT_MS[(match[2] || 's') as keyof typeof UNIT_MS];
}

/** `spike=0.001,gap=0.0005` as fault rates; unknown kinds and rates outside [0, 1] are refused. */
export function parseFaultRates(text: string): FaultRates {
  const rates: Record<string, number> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [kind, rate, ...rest] = part.split('=').map((s) => s.trim());
    if (
      kind === undefined ||
      rate === undefined ||
      rest.length > 0 ||
      rate === '' ||
      Number.isNaN(Number(rate))
    )
      throw badArgument(`--faults ${text}: write kind=rate pairs, e.g. spike=0.001,gap=0.0005`);
    rates[kind] = Number(rate);
  }
  return checkFaultRates(rates);
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw badArgument(`${flag} ${text}: expected a whole number of at least 1`);
  return n;
}

function instant(text: string, flag: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw badArgument(`${flag} ${text}: expected an ISO 8601 instant`);
  return at;
}

/** The flags of `eaio simulate`, as commander hands them over (all text). */
export interface SimulateFlags {
  readonly buildings?: string;
  readonly seed?: string;
  readonly speed?: string;
  readonly interval?: string;
  readonly backfill?: string;
  readonly start?: string;
  readonly faults?: string;
  readonly groundTruth?: string;
  readonly count?: string;
  readonly duration?: string;
  readonly until?: string;
}

/** A simulation's settings, flags over the `simulator` config section; the files are loaded here. */
export async function simulationSettingsOf(
  section: EaioConfig['simulator'],
  flags: SimulateFlags,
): Promise<Omit<SimulationSettings, 'groundTruth'> & { readonly groundTruthPath: string }> {
  const seed = flags.seed === undefined ? section.seed : Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw badArgument(`--seed ${flags.seed}: expected a whole number`);
  const speed =
    flags.speed === undefined ? 1 : flags.speed === 'max' ? Number.POSITIVE_INFINITY : Number(flags.speed);
  if (!(speed > 0)) throw badArgument(`--speed ${flags.speed}: expected a positive factor or "max"`);
  const intervalMs =
    flags.interval === undefined
      ? section.intervalSeconds * 1_000
      : parseDuration(flags.interval, '--interval');
  if (intervalMs < 1_000) throw badArgument(`--interval ${flags.interval}: at least 1s`);
  const weather = await loadBdg1WeatherReplay();
  const fleet = await loadBdg1Fleet(
    flags.buildings === undefined ? section.buildings : positiveInteger(flags.buildings, '--buildings'),
    seed,
    weather.stationIds,
  );
  return {
    fleet,
    temperatures: weather,
    observations: weather,
    seed,
    intervalMs,
    speed,
    backfillMs: parseDuration(flags.backfill ?? section.backfill, '--backfill'),
    ...(flags.start === undefined ? {} : { start: instant(flags.start, '--start') }),
    faults: flags.faults === undefined ? section.faults : parseFaultRates(flags.faults),
    groundTruthPath: flags.groundTruth ?? section.groundTruthPath,
    ...(flags.count === undefined ? {} : { count: positiveInteger(flags.count, '--count') }),
    ...(flags.duration === undefined ? {} : { durationMs: parseDuration(flags.duration, '--duration') }),
    ...(flags.until === undefined ? {} : { until: instant(flags.until, '--until') }),
  };
}

/** What a source needs from a platform to produce onto its topics. */
export async function publishDepsOf(platform: Platform): Promise<PublishDeps> {
  return {
    producer: await platform.producer(),
    codec: platform.codec,
    names: platform.names,
    logger: platform.logger,
  };
}

/** Opens the ground-truth file when faults are on; none is written for a run without faults. */
export async function groundTruthFor(settings: {
  readonly faults: FaultRates;
  readonly groundTruthPath: string;
}): Promise<GroundTruthSink | undefined> {
  const anyFault = Object.values(settings.faults).some((rate) => (rate ?? 0) > 0);
  return anyFault ? createGroundTruthFile(settings.groundTruthPath) : undefined;
}

const PROGRESS_EVERY_MS = 2_000;

/**
 * Where a run's backfill ends (the simulated instant up to which it produces at full speed) and how
 * many readings it generates until then, when that is known: the total of its progress bar. With
 * `--speed max` the whole run is backfill, bounded only by `--until` and `--count`.
 */
export function backfillPlan(
  settings: Pick<
    SimulationSettings,
    'fleet' | 'intervalMs' | 'backfillMs' | 'speed' | 'start' | 'until' | 'count'
  >,
  wallNow: number,
): { readonly endsAt: number; readonly readings: number | undefined } {
  const firstStep =
    settings.start?.getTime() ??
    Math.floor((wallNow - settings.backfillMs) / settings.intervalMs) * settings.intervalMs;
  const paced = settings.speed !== Number.POSITIVE_INFINITY;
  const endsAt = Math.min(
    settings.until?.getTime() ?? Number.POSITIVE_INFINITY,
    paced ? wallNow : Number.POSITIVE_INFINITY,
  );
  const steps = Number.isFinite(endsAt)
    ? Math.max(0, Math.floor((endsAt - firstStep) / settings.intervalMs) + 1)
    : undefined;
  const bySteps = steps === undefined ? undefined : steps * settings.fleet.meters.length;
  const readings =
    settings.count === undefined
      ? bySteps
      : bySteps === undefined
        ? settings.count
        : Math.min(settings.count, bySteps);
  return { endsAt, readings };
}

/** `eaio simulate`: runs the simulator onto the configured platform until a stop condition or a signal. */
export async function simulateCommand(
  context: CommandContext,
  flags: SimulateFlags & { readonly json?: boolean },
) {
  const { groundTruthPath, ...settings } = await simulationSettingsOf(context.config.simulator, flags);
  const summary = await withPlatform(context, async (platform) => {
    await preparePlatform(platform);
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const groundTruth = await groundTruthFor({ faults: settings.faults, groundTruthPath });
    const backfill = backfillPlan(settings, Date.now());
    const progress = createProgressReporter({
      task: 'simulate backfill',
      unit: 'readings',
      stream: process.stderr,
      logger: context.logger,
      everyMs: PROGRESS_EVERY_MS,
    });
    let inBackfill = true;
    let lastProgress = 0;
    progress.start(backfill.readings ?? 0);
    try {
      return await runSimulation(await publishDepsOf(platform), {
        ...settings,
        ...(groundTruth === undefined ? {} : { groundTruth }),
        signal: abort.signal,
        onProgress: (p) => {
          if (inBackfill && (p.to === null || Date.parse(p.to) <= backfill.endsAt)) {
            progress.update(p.generated);
            return;
          }
          if (inBackfill) {
            inBackfill = false;
            progress.stop();
          }
          // Live, paced by --speed: a line now and then, as the wall clock drives it rather than a total.
          if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = Date.now();
          context.say(
            `simulated up to ${p.to}: ${p.readings} readings, ${p.observations} weather observations`,
          );
        },
      });
    } finally {
      if (inBackfill) progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await groundTruth?.close();
    }
  });
  const faults = Object.values(summary.faults).reduce((a, b) => a + b, 0);
  if (flags.json)
    context.out(`${JSON.stringify({ ...summary, groundTruth: faults > 0 ? groundTruthPath : null })}\n`);
  else context.out(`${simulationReport(summary, faults > 0 ? groundTruthPath : undefined)}\n`);
  return summary;
}

function simulationReport(s: SimulationSummary, groundTruthPath: string | undefined): string {
  const faults = Object.entries(s.faults)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`);
  return [
    `Simulated ${s.buildings} buildings, ${s.meters} meters from ${s.from ?? '-'} to ${s.to ?? '-'}`,
    `  readings generated ${s.generated}, produced ${s.readings}; weather observations ${s.observations}`,
    `  faults: ${faults.length === 0 ? 'none' : faults.join(', ')}`,
    ...(groundTruthPath === undefined ? [] : [`  ground truth: ${groundTruthPath}`]),
  ].join('\n');
}

/** `eaio simulate`: the weather-driven building simulator. */
export function addSimulateCommand(program: Command, context: CommandContext): void {
  program
    .command('simulate')
    .description(
      'Simulate a fleet of buildings: registrations, meters, readings driven by occupancy and real weather, optional faults with a ground-truth file.',
    )
    .option('--buildings <n>', 'buildings to simulate (config simulator.buildings)')
    .option('--seed <n>', 'seed of synthetic buildings, noise and faults (config simulator.seed)')
    .option('--speed <x>', 'simulated time per wall time after the backfill, or "max" (default 1)')
    .option(
      '--interval <duration>',
      'time between two readings of a meter, e.g. 60s, 15m, 1h (config simulator.intervalSeconds)',
    )
    .option(
      '--backfill <duration>',
      'simulated time before now produced first at full speed, e.g. 7d (config simulator.backfill)',
    )
    .option('--start <instant>', 'first simulated instant (ISO 8601) instead of now minus the backfill')
    .option(
      '--faults <rates>',
      'fault rates per reading, e.g. spike=0.001,gap=0.0005 (config simulator.faults)',
    )
    .option(
      '--ground-truth <file>',
      'JSONL file the injected faults are recorded in (config simulator.groundTruthPath)',
    )
    .option('--count <n>', 'stop after this many generated readings')
    .option('--duration <duration>', 'stop after this much wall-clock time, e.g. 10m')
    .option('--until <instant>', 'stop at this simulated instant (ISO 8601)')
    .option('--json', 'print the summary as one JSON line')
    .action(async (flags: SimulateFlags & { json?: boolean }) => {
      await simulateCommand(context, flags);
    });
}
