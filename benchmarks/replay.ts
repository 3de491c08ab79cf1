import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { preparePlatform } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { EaioError } from '../infra/errors/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { PROCESSORS, type ProcessorName } from '../processors/index.ts';
import { PROJECTIONS } from '../projections/index.ts';
import type { TopicKey } from '../schemas/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import { childEnv } from './mcp.ts';
import { catchUp, cleanUp, DEFAULT_PROCESSORS, produceFleet, rowCounts } from './queries.ts';
import {
  BDG2_YEAR,
  extrapolateSeconds,
  type HistoryEvents,
  type ProgressSample,
  type ReplayTiming,
  scaleEvents,
  streamingRate,
  timingFromProgress,
  totalEvents,
} from './replay/extrapolate.ts';
import { type RawConsumeResult, rawConsume } from './replay/raw-consume.ts';
import { progressTarget, sampleProgress } from './replay/replay-progress.ts';
import { type EaioRun, runEaio } from './replay/run-eaio.ts';

export type ReplayFigures = Record<string, number | string>;

const METHODS = ['replay', 'rebuild'] as const;
type Method = (typeof METHODS)[number];

/** Topics whose events do not grow with the number of meters: registrations, and station weather (per day). */
const ONCE: ReadonlySet<TopicKey> = new Set(['buildings', 'meters', 'controlPoints']);
const PER_DAY: ReadonlySet<TopicKey> = new Set([
  'weatherObservations',
  'weatherHourly',
  'weatherForecasts',
  'weatherAlerts',
]);

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function progress(line: string): void {
  process.stderr.write(`[replay] ${line}\n`);
}

/** Rejects when `signal` aborts, so a phase that cannot be cancelled still gives up its wait. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
  ]);
}

/** The topic keys a set of read models reads. */
function topicKeysOf(projections: typeof PROJECTIONS): TopicKey[] {
  return [...new Set(projections.flatMap((p) => p.handles as readonly TopicKey[]))];
}

/** The records a raw read found on `keys`, split by what they grow with. */
function splitEvents(
  raw: RawConsumeResult,
  keys: readonly TopicKey[],
  topic: (k: TopicKey) => string,
): HistoryEvents {
  let perMeterDay = 0;
  let perDay = 0;
  let once = 0;
  for (const key of keys) {
    const n = raw.perTopic.get(topic(key)) ?? 0;
    if (ONCE.has(key)) once += n;
    else if (PER_DAY.has(key)) perDay += n;
    else perMeterDay += n;
  }
  return { perMeterDay, perDay, once };
}

/**
 * `npm run bench -- replay`: produces a BDG2-shaped history through the processors (or reuses a kept
 * one), then rebuilds every read model from the log the way a user does it, in its own process:
 * `eaio replay --to-earliest --drop-read-models --run` (`--method replay`) or `eaio projections
 * rebuild NAME` for each read model in turn (`--method rebuild`). Against, in the same run, a raw
 * kafkajs read of the same topics (the ceiling, best of one read before and one after); prints
 * events/s, the ratio, the peak RSS of the replaying process and the time a year of BDG2's fleet
 * would take at the measured rate.
 */
export async function replayBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<ReplayFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      meters: { type: 'string', default: String(BDG2_YEAR.meters) },
      buildings: { type: 'string' },
      days: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      processors: { type: 'string', default: DEFAULT_PROCESSORS.join(',') },
      method: { type: 'string', default: 'replay' },
      keep: { type: 'boolean', default: false },
      reuse: { type: 'string' },
      'timeout-seconds': { type: 'string', default: '3000' },
      'cpu-prof': { type: 'string' },
    },
  });
  const meters = Number(values.meters);
  // BDG2's ratio of buildings to meters unless told otherwise.
  const buildings = Number(values.buildings ?? Math.max(1, Math.round((meters * 1_636) / 3_053)));
  const days = Number(values.days);
  const seed = Number(values.seed);
  const timeoutSeconds = Number(values['timeout-seconds']);
  const method = values.method as Method;
  const processors = values.processors.split(',').filter(Boolean) as ProcessorName[];
  const id = values.reuse ?? randomBytes(3).toString('hex');
  const unknown = processors.filter((p) => !(p in PROCESSORS));
  if (
    !METHODS.includes(method) ||
    unknown.length > 0 ||
    !/^[0-9a-f]{6}$/.test(id) ||
    !(meters >= buildings && buildings > 0 && days >= 1 && timeoutSeconds > 0)
  ) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'need --method replay|rebuild, known --processors, --meters >= --buildings > 0, --days >= 1, --timeout-seconds > 0 and a 6-hex --reuse id',
      { context: { method, unknown: unknown.join(','), buildings, meters, days, reuse: values.reuse } },
    );
  }
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`--timeout-seconds ${timeoutSeconds} reached`)),
    timeoutSeconds * 1000,
  );
  const { signal } = deadline;
  const platform = connectBenchPlatform(config, endpoints, id);
  const topic = (k: TopicKey) => platform.names.topic(k);
  progress(`run ${id}: topics bench.${id}.*, schema bench_${id}, Redis keys bench:${id}:*`);
  try {
    let load: ReplayFigures = { reused: id };
    if (values.reuse === undefined) {
      await abortable(preparePlatform(platform), signal);
      const produced = await abortable(produceFleet(platform, { buildings, meters, days, seed }), signal);
      progress(`produced ${produced.readings} readings; the processors and projector catch up`);
      load = { ...produced, ...(await abortable(catchUp(platform, processors), signal)) };
    }
    const before = await rowCounts(platform);
    const env = childEnv(platform, endpoints);
    const keys = topicKeysOf(PROJECTIONS);
    const topics = keys.map(topic);

    // Start-up paid by every `eaio` process (loading, connecting, reading the generations), whatever the log's length.
    const startup = await runEaio(['projections', 'list'], { env, signal });
    progress(`eaio start-up (projections list): ${round(startup.seconds, 2)} s`);
    const rawBefore = await rawConsume(platform.kafka, topics, platform.names.prefix, signal);
    progress(`raw consume: ${rawBefore.messages} records in ${round(rawBefore.seconds, 2)} s`);

    const runs: EaioRun[] = [];
    let events: number;
    const cpuProf = values['cpu-prof'] === undefined ? {} : { cpuProfDir: values['cpu-prof'] };
    let samples: ProgressSample[] = [];
    if (method === 'replay') {
      const handlers = new Map(
        keys.map((k) => [
          topic(k),
          PROJECTIONS.filter((p) => (p.handles as readonly TopicKey[]).includes(k)).map((p) => p.name),
        ]),
      );
      const sampler = sampleProgress(platform.pool, await progressTarget(platform.kafka, handlers));
      progress('eaio replay --to-earliest --drop-read-models --run');
      try {
        runs.push(
          await runEaio(['replay', '--to-earliest', '--drop-read-models', '--run'], {
            env,
            signal,
            ...cpuProf,
          }),
        );
      } finally {
        samples = await sampler.stop();
      }
      events = rawBefore.messages;
    } else {
      events = 0;
      for (const projection of PROJECTIONS) {
        progress(`eaio projections rebuild ${projection.name}`);
        runs.push(await runEaio(['projections', 'rebuild', projection.name], { env, signal, ...cpuProf }));
        events += totalEvents(splitEvents(rawBefore, topicKeysOf([projection]), topic));
      }
    }
    const replaySeconds = runs.reduce((s, r) => s + r.seconds, 0);
    const peakRssMiB = Math.max(...runs.map((r) => r.peakRssMiB));
    progress(`${method}: ${events} events in ${round(replaySeconds, 2)} s`);
    const rawAfter = await rawConsume(platform.kafka, topics, platform.names.prefix, signal);
    const after = await rowCounts(platform);

    // The ceiling is the better of the two raw reads: the other helpers' load only ever slows one down.
    const rawRate = Math.max(rawBefore.messages / rawBefore.seconds, rawAfter.messages / rawAfter.seconds);
    // The fixed cost from the replay's own progress where it was sampled, else each process's start-up.
    const timing: ReplayTiming = timingFromProgress(samples, events, replaySeconds) ?? {
      events,
      seconds: replaySeconds,
      fixedSeconds: Math.min(startup.seconds * runs.length, replaySeconds / 2),
    };
    const measured = { meters, days };
    const year =
      method === 'replay'
        ? totalEvents(scaleEvents(splitEvents(rawBefore, keys, topic), measured, BDG2_YEAR))
        : PROJECTIONS.reduce(
            (sum, p) =>
              sum +
              totalEvents(scaleEvents(splitEvents(rawBefore, topicKeysOf([p]), topic), measured, BDG2_YEAR)),
            0,
          );
    const yearReplayMinutes = extrapolateSeconds(timing, year) / 60;
    const figures: ReplayFigures = {
      run: id,
      method,
      ...load,
      readingsInLog: rawBefore.perTopic.get(topic('sensorReadings')) ?? 0,
      eventsInLog: rawBefore.messages,
      eventsReplayed: events,
      rawConsumeBeforeEventsPerS: Math.round(rawBefore.messages / rawBefore.seconds),
      rawConsumeAfterEventsPerS: Math.round(rawAfter.messages / rawAfter.seconds),
      rawConsumeCeilingEventsPerS: Math.round(rawRate),
      eaioStartupS: round(startup.seconds, 2),
      replayProcesses: runs.length,
      replayS: round(replaySeconds, 2),
      replayEventsPerS: Math.round(events / replaySeconds),
      replayFixedS: round(timing.fixedSeconds, 2),
      replayStreamingEventsPerS: Math.round(streamingRate(timing)),
      replayStreamingVsRawConsume: round(streamingRate(timing) / rawRate, 3),
      replayVsRawConsume: round(events / replaySeconds / rawRate, 3),
      replayPeakRssMiB: peakRssMiB,
      rowsReadingsBefore: Number(before.rows_readings),
      rowsReadingsAfter: Number(after.rows_readings),
      rowsRollups1hBefore: Number(before.rows_rollups_1h),
      rowsRollups1hAfter: Number(after.rows_rollups_1h),
      redisKeysBefore: Number(before.redisKeys),
      redisKeysAfter: Number(after.redisKeys),
      yearFleetMeters: BDG2_YEAR.meters,
      yearFleetDays: BDG2_YEAR.days,
      yearEvents: Math.round(year),
      yearReplayMinutes: round(yearReplayMinutes),
      yearRawConsumeMinutes: round(year / rawRate / 60),
    };
    return figures;
  } finally {
    clearTimeout(timer);
    if (values.keep) progress(`kept: replay again with --reuse ${id} --meters ${meters} --days ${days}`);
    else await cleanUp(platform).catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
    await platform.close();
  }
}
