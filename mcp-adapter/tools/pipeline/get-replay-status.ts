import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { type PipelineReads, pipelineOf } from '../../pipeline-admin.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { generationProgress } from './generation-lag.ts';

export const getReplayStatusInput = z.object({
  projection: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Only this read model, e.g. 'rollups' (names as get_pipeline_status lists them); default all."),
  includePartitions: z
    .boolean()
    .optional()
    .describe("Also list each generation's offsets per partition against the end offsets; default false."),
});

export const getReplayStatusOutput = z.object({
  readAt: z.string().describe('When the end offsets were read, ISO 8601.'),
  projections: z.array(
    z.object({
      projection: z.string(),
      generations: z
        .array(
          z.object({
            generation: z.number().int(),
            status: z
              .enum(['building', 'active', 'retired'])
              .describe('building: a rebuild is filling it; active: readers use it; retired: replaced.'),
            store: z.enum(['postgres', 'redis']),
            location: z.string().describe('Its schema (postgres) or key prefix (redis).'),
            fromTime: z
              .string()
              .nullable()
              .describe('Set for a rebuild from a time: it holds only events from then on.'),
            createdAt: z.string(),
            activatedAt: z.string().nullable(),
            retiredAt: z.string().nullable(),
            lastAppliedAt: z.string().nullable().describe('When it last stored offsets (wall clock).'),
            progress: z
              .object({
                reached: z.string().describe('Messages of the log it has passed.'),
                total: z.string().describe('Messages in the log now (end minus start offsets).'),
                lag: z
                  .string()
                  .describe(
                    'Offsets between its offsets and the end offsets (a trailing commit marker counts as 1).',
                  ),
                percent: z.number().describe('reached / total, 100 for an empty log.'),
                caughtUp: z.boolean().describe('True when its offsets are at the end offsets.'),
              })
              .nullable()
              .describe('For building and active generations: its offsets reached against the end offsets.'),
            partitions: z
              .array(
                z.object({
                  topic: z.string(),
                  partition: z.number().int(),
                  nextOffset: z.string().nullable(),
                  endOffset: z.string(),
                  lag: z.string(),
                }),
              )
              .optional(),
          }),
        )
        .describe('Newest first.'),
    }),
  ),
  ...answerMetaOutput,
});

/** `get_replay_status`: each read model's generations and how far a rebuild has come. */
export const getReplayStatus = defineTool({
  name: TOOL_NAMES.getReplayStatus,
  title: 'Replay and rebuild status',
  description:
    "Shows each read model's generations (building, active, retired), the time a rebuild started from, and for the building and active generations the offsets reached against the log's end offsets (progress, lag) and when they last applied events. Use it to follow a rebuild started with `eaio projections rebuild`.",
  input: getReplayStatusInput,
  output: getReplayStatusOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(
    args,
    { queries, now }: ToolContext<Pick<QueryLayer, 'projectionGenerations'> & PipelineReads>,
  ) {
    const pipeline = pipelineOf(queries);
    const answer = await queries.projectionGenerations();
    const topics = await pipeline.topics();
    const readAt = new Date(now()).toISOString();
    const meta = answerMeta(answer, now());
    const states = answer.data.filter(
      (p) => args.projection === undefined || p.projection === args.projection,
    );
    if (args.projection !== undefined && states.length === 0) {
      throw new ToolRefusal(
        `No read model '${args.projection}' has generations here; known: ${answer.data.map((p) => p.projection).join(', ') || 'none'}.`,
      );
    }
    const projections = states.map((p) => ({
      projection: p.projection,
      generations: p.generations.map((g) => {
        const progress = g.status === 'retired' ? undefined : generationProgress(p, g, topics);
        return {
          generation: g.generation,
          status: g.status,
          store: g.store,
          location: g.location,
          fromTime: g.fromTime?.toISOString() ?? null,
          createdAt: g.createdAt.toISOString(),
          activatedAt: g.activatedAt?.toISOString() ?? null,
          retiredAt: g.retiredAt?.toISOString() ?? null,
          lastAppliedAt: g.lastAppliedAt?.toISOString() ?? null,
          progress:
            progress === undefined
              ? null
              : {
                  reached: progress.reached.toString(),
                  total: progress.total.toString(),
                  lag: progress.lag.toString(),
                  percent:
                    progress.total === 0n
                      ? 100
                      : Math.round(Number((progress.reached * 10_000n) / progress.total)) / 100,
                  caughtUp: progress.lag === 0n,
                },
          ...(args.includePartitions === true && progress !== undefined
            ? { partitions: [...progress.partitions] }
            : {}),
        };
      }),
    }));
    const lines = projections.map((p) => {
      const parts = p.generations.map((g) =>
        g.progress === null
          ? `g${g.generation} ${g.status}`
          : `g${g.generation} ${g.status} ${g.progress.percent}% (lag ${g.progress.lag})${g.fromTime === null ? '' : ` from ${g.fromTime}`}`,
      );
      return `${p.projection}: ${parts.join('; ') || 'no generations'}`;
    });
    return {
      structured: { readAt, projections, ...meta },
      text: [...lines, `End offsets read ${readAt}.`, answerMetaText(meta)].join('\n'),
    };
  },
});
