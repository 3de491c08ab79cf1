import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Platform, preparePlatform, rewindProjector } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { EaioError } from '../infra/errors/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { PROJECTIONS } from '../projections/index.ts';
import type { TopicKey } from '../schemas/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import {
  catalogStages,
  formatCategoryMatrix,
  formatSummary,
  groupAtEnd,
  highWaterMarks,
  type ProfileSummary,
  planStages,
  produceReadingsBacklog,
  projectionsAtEnd,
  REPO_ROOT,
  rawConsume,
  readCpuProfile,
  runStageProfiled,
  stagesFedBy,
  summariseProfile,
  writeProfileWindow,
} from './profile/index.ts';
import { cleanUp } from './queries.ts';

const SOURCES: readonly TopicKey[] = ['sensorReadings'];
const MiB = 2 ** 20;
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Puts a stage back at the start of the backlog for its next run with more processes: the projector
 * rewound with its read models emptied, a processor's group rewound to the earliest offsets. Retries
 * while the last run's members are still leaving the group.
 */
async function rewindStage(platform: Platform, stage: { kind: string; name: string }): Promise<void> {
  const options =
    stage.kind === 'projector'
      ? { target: { kind: 'earliest' as const }, dropReadModels: true }
      : {
          target: { kind: 'earliest' as const },
          dropReadModels: false,
          groupId: `${platform.names.prefix}${stage.name}`,
        };
  for (let attempt = 0; ; attempt++) {
    try {
      await rewindProjector(platform, options);
      return;
    } catch (error) {
      if (!(error instanceof EaioError && error.code === 'GROUP_ACTIVE') || attempt >= 60) throw error;
      await delay(500);
    }
  }
}

/**
 * `npm run bench -- profile`: a backlog of readings from the product's producer, then each stage
 * (processors fed by readings, the projector last) alone in a child under `node --cpu-prof` until
 * its group reaches the end of its input, beside the raw kafkajs consume rate of the same topics in
 * the same run. Prints events/s against that ceiling, peak RSS, and per profile the share of time by
 * category and the top frames (also written to `<out>/summary.md` with the `.cpuprofile` files).
 */
export async function profileBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<Record<string, number | string>> {
  const stages = catalogStages();
  const { values } = parseArgs({
    args: argv,
    options: {
      readings: { type: 'string', default: '100000' },
      buildings: { type: 'string', default: '20' },
      stages: { type: 'string', default: stagesFedBy(SOURCES, stages).join(',') },
      out: { type: 'string' },
      'interval-us': { type: 'string', default: '1000' },
      top: { type: 'string', default: '10' },
      'timeout-s': { type: 'string', default: '300' },
      processes: { type: 'string', default: '1' },
    },
  });
  const counts = values.processes.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `--processes: '${values.processes}' is not a list of counts`,
    );
  const id = randomBytes(3).toString('hex');
  const outDir = values.out ?? `/tmp/eaio-profiles-${id}`;
  const timeoutMs = Number(values['timeout-s']) * 1000;
  const plan = planStages(values.stages.split(',').filter(Boolean), stages, SOURCES);
  // A processor run again writes its output again, which would double what a later stage reads.
  if (counts.length > 1 && plan.length > 1)
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      '--processes with several counts runs one stage at a time: give --stages one stage',
    );
  await mkdir(outDir, { recursive: true });
  const platform = connectBenchPlatform(config, endpoints, id);
  const progress = (line: string) => process.stderr.write(`[profile ${id}] ${line}\n`);
  // Every processor writes its output in transactions, which end each partition with a commit marker.
  const transactionalKeys = new Set(stages.flatMap((s) => (s.kind === 'processor' ? s.produces : [])));
  const transactionalTopics = new Set([...transactionalKeys].map((k) => platform.names.topic(k)));
  const transactional = (topic: string) => transactionalTopics.has(topic);
  const figures: Record<string, number | string> = { readings: Number(values.readings), outDir };
  const report: string[] = [];
  const summaries: { name: string; summary: ProfileSummary }[] = [];
  try {
    await preparePlatform(platform);
    const produceStart = performance.now();
    figures.meters = await produceReadingsBacklog(
      platform,
      Number(values.readings),
      Number(values.buildings),
    );
    figures.produceEventsPerS = round(Number(values.readings) / ((performance.now() - produceStart) / 1000));
    progress(`backlog of ${values.readings} readings produced (${figures.meters} meters)`);
    for (const stage of plan)
      for (const [variant, processes] of counts.entries()) {
        if (variant > 0) {
          await rewindStage(platform, stage);
          progress(`${stage.name}: rewound for ${processes} processes`);
        }
        const topics = stage.consumes.map((k) => platform.names.topic(k));
        const ends = new Map<string, Map<number, bigint>>();
        for (const topic of topics) {
          const marks = await highWaterMarks(platform, topic);
          if (marks.size > 0) ends.set(topic, marks);
        }
        if (ends.size === 0) {
          progress(`${stage.name}: nothing to read, skipped`);
          continue;
        }
        const raw = await rawConsume(
          platform,
          // A fresh group for each point of a curve: the last one's has read to the end.
          `${platform.names.prefix}raw.${stage.name}${variant === 0 ? '' : `.x${processes}`}`,
          ends,
          transactional,
          timeoutMs,
        );
        progress(`${stage.name}: raw consume ${raw.events} events in ${round(raw.ms)} ms`);
        const handlers = (topic: string) =>
          PROJECTIONS.filter((p) =>
            (p.handles as readonly TopicKey[]).some((k) => platform.names.topic(k) === topic),
          ).map((p) => p.name);
        const run = await runStageProfiled({
          id,
          processes,
          stage: stage.name,
          config: platform.config,
          endpoints,
          outDir,
          intervalUs: Number(values['interval-us']),
          timeoutMs,
          atEnd: async (groupId) => {
            if (stage.kind === 'projector') return projectionsAtEnd(platform, ends, handlers, transactional);
            let done = true;
            let position = 0n;
            for (const [topic, marks] of ends) {
              const at = await groupAtEnd(platform, groupId, topic, marks, transactional(topic));
              done &&= at.done;
              position += at.position;
            }
            return { done, position };
          },
        });
        const profilePath = join(outDir, run.profile);
        await writeProfileWindow(profilePath, run.window);
        const summary = summariseProfile(await readCpuProfile(profilePath), {
          root: REPO_ROOT,
          top: Number(values.top),
          window: run.window,
        });
        // One count keeps the stage's own names; a curve names each point by its process count.
        const s = counts.length === 1 && processes === 1 ? stage.name : `${stage.name}.x${processes}`;
        summaries.push({ name: s, summary });
        const perS = raw.events / (run.ms / 1000);
        const rawPerS = raw.events / (raw.ms / 1000);
        figures[`${s}.processes`] = processes;
        figures[`${s}.events`] = raw.events;
        figures[`${s}.caughtUp`] = run.caughtUp ? 'yes' : 'no (timeout)';
        figures[`${s}.eventsPerS`] = round(perS);
        figures[`${s}.rawConsumePerS`] = round(rawPerS);
        figures[`${s}.vsRawConsume`] = round(perS / rawPerS, 3);
        figures[`${s}.steadyPerS`] = round(run.steadyPerS);
        figures[`${s}.steadyVsRawConsume`] = round(run.steadyPerS / rawPerS, 3);
        figures[`${s}.peakRssMiB`] = round(run.peakRssBytes / MiB);
        figures[`${s}.shares`] = summary.categories
          .slice(0, 6)
          .map((c) => `${c.category} ${c.share}%`)
          .join(', ');
        progress(
          `${s}: ${round(perS)} events/s vs raw ${round(rawPerS)}, peak RSS ${figures[`${s}.peakRssMiB`]} MiB`,
        );
        report.push(
          formatSummary(
            `${s}: ${raw.events} events, ${round(perS)} events/s (steady ${figures[`${s}.steadyPerS`]}) vs raw consume ${round(rawPerS)} (${figures[`${s}.vsRawConsume`]}), peak RSS ${figures[`${s}.peakRssMiB`]} MiB${run.caughtUp ? '' : ', TIMED OUT'}`,
            summary,
          ),
        );
        process.stderr.write(`${report.at(-1)}\n`);
      }
    report.push(`### All stages\n\n${formatCategoryMatrix(summaries)}`);
    process.stderr.write(`${report.at(-1)}\n`);
    await writeFile(join(outDir, 'summary.md'), report.join('\n'));
    return figures;
  } finally {
    await cleanUp(platform).catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
    await platform.close();
  }
}
