import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { offsetGap, type PipelineReads, pipelineOf } from '../../pipeline-admin.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { generationProgress, lagByTopic } from './generation-lag.ts';

export const getPipelineStatusInput = z.object({
  includePartitions: z
    .boolean()
    .optional()
    .describe(
      'Also list every partition (offsets and lag per partition); default false, totals per topic only.',
    ),
  includeDeadLetterTopics: z
    .boolean()
    .optional()
    .describe('Also list the dead-letter topics (.dlq) beside the event topics; default true.'),
});

const topicLag = z.array(
  z.object({ topic: z.string(), lag: z.string().describe('Messages behind, as text.') }),
);
const partitionLag = z.array(
  z.object({
    topic: z.string(),
    partition: z.number().int(),
    nextOffset: z.string().nullable().describe('Next offset it will read; null when it never read there.'),
    endOffset: z.string(),
    lag: z.string(),
  }),
);

export const getPipelineStatusOutput = z.object({
  topics: z
    .object({
      readAt: z.string().describe('When the broker was asked, ISO 8601.'),
      items: z.array(
        z.object({
          topic: z.string(),
          deadLetter: z.boolean().describe('True for a dead-letter topic.'),
          partitions: z.number().int(),
          endOffset: z.string().describe("Sum of the partitions' end offsets (high-water marks)."),
          messages: z.string().describe('Messages still in the log: end minus start offsets, summed.'),
          partitionOffsets: z
            .array(z.object({ partition: z.number().int(), low: z.string(), high: z.string() }))
            .optional(),
        }),
      ),
    })
    .describe('Each topic with its partitions and end offsets.'),
  processors: z
    .object({
      readAt: z.string().describe('When the broker was asked, ISO 8601.'),
      groups: z.array(
        z.object({
          groupId: z.string(),
          consumer: z.string().describe('What runs in the group: projector or processor:<name>.'),
          state: z.string().describe('Group state as the broker says: Stable, Empty, Dead, ...'),
          members: z.number().int().describe('Consumers in the group now.'),
          lag: z.string().describe('Messages not yet committed, over all its topics.'),
          topics: topicLag,
          partitions: z
            .array(
              z.object({
                topic: z.string(),
                partition: z.number().int(),
                committed: z.string().nullable(),
                high: z.string(),
                lag: z.string(),
              }),
            )
            .optional(),
        }),
      ),
    })
    .describe('The consumer groups (projector, processors), their members and committed lag.'),
  projections: z
    .object({
      readAt: z.string().describe('When the generations and offsets were read, ISO 8601.'),
      items: z.array(
        z.object({
          projection: z.string(),
          activeGeneration: z.number().int().nullable(),
          status: z
            .enum(['active', 'rebuilding', 'not built'])
            .describe('rebuilding: a new generation is being built beside the active one.'),
          buildingGeneration: z.number().int().nullable().describe('The generation a rebuild is filling.'),
          lastAppliedAt: z.string().nullable().describe('When the active generation last stored offsets.'),
          lag: z
            .string()
            .describe(
              'Offsets between its stored offsets and the end offsets; a commit marker at the end of a partition counts as 1.',
            ),
          topics: topicLag,
          partitions: partitionLag.optional(),
        }),
      ),
    })
    .describe('Each read model: active generation, a rebuild in progress, offsets against end offsets.'),
  ...answerMetaOutput,
});

/** `get_pipeline_status`: topics, consumer groups and read models with their lag, each with when it was read. */
export const getPipelineStatus = defineTool({
  name: TOOL_NAMES.getPipelineStatus,
  title: 'Pipeline status',
  description:
    'Shows the event pipeline: each topic (partitions, end offsets), each consumer group (projector, processors: members and lag per topic) and each read model (active generation, a rebuild in progress, its offsets against the end offsets = lag), each part with when it was read. Use it to see whether data is flowing and how far behind each stage is.',
  input: getPipelineStatusInput,
  output: getPipelineStatusOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(
    args,
    { queries, now }: ToolContext<Pick<QueryLayer, 'projectionGenerations'> & PipelineReads>,
  ) {
    const pipeline = pipelineOf(queries);
    const withPartitions = args.includePartitions === true;
    // Offsets before end offsets: a lag read across the two can only overstate, never hide, a backlog.
    const answer = await queries.projectionGenerations();
    const projectionsReadAt = new Date(now()).toISOString();
    const topics = await pipeline.topics();
    const topicsReadAt = new Date(now()).toISOString();
    const groups = await pipeline.consumerGroups();
    const groupsReadAt = new Date(now()).toISOString();
    const meta = answerMeta(answer, now());

    const shownTopics = topics.filter((t) => args.includeDeadLetterTopics !== false || !t.deadLetter);
    const topicItems = shownTopics.map((t) => ({
      topic: t.topic,
      deadLetter: t.deadLetter,
      partitions: t.partitions.length,
      endOffset: t.partitions.reduce((sum, p) => sum + BigInt(p.high), 0n).toString(),
      messages: t.partitions.reduce((sum, p) => sum + offsetGap(p.high, p.low), 0n).toString(),
      ...(withPartitions
        ? {
            partitionOffsets: t.partitions.map((p) => ({ partition: p.partition, low: p.low, high: p.high })),
          }
        : {}),
    }));
    const groupItems = groups.map((g) => ({
      groupId: g.groupId,
      consumer: g.consumer,
      state: g.state,
      members: g.members,
      lag: g.topics.reduce((sum, t) => sum + BigInt(t.lag), 0n).toString(),
      topics: g.topics.map((t) => ({ topic: t.topic, lag: t.lag })),
      ...(withPartitions
        ? { partitions: g.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))) }
        : {}),
    }));
    const projectionItems = answer.data.map((p) => {
      const active = p.generations.find((g) => g.status === 'active');
      const building = p.generations.find((g) => g.status === 'building');
      const progress = active === undefined ? undefined : generationProgress(p, active, topics);
      return {
        projection: p.projection,
        activeGeneration: active?.generation ?? null,
        status:
          active === undefined
            ? ('not built' as const)
            : building === undefined
              ? ('active' as const)
              : ('rebuilding' as const),
        buildingGeneration: building?.generation ?? null,
        lastAppliedAt: active?.lastAppliedAt?.toISOString() ?? null,
        lag: (progress?.lag ?? 0n).toString(),
        topics: lagByTopic(progress?.partitions ?? []),
        ...(withPartitions ? { partitions: [...(progress?.partitions ?? [])] } : {}),
      };
    });
    const behindGroups = groupItems.filter((g) => g.lag !== '0');
    const behindProjections = projectionItems.filter((p) => p.lag !== '0');
    const text = [
      `${topicItems.length} topics; ${groupItems.length} consumer groups (${behindGroups.length} behind); ${projectionItems.length} read models (${behindProjections.length} behind).`,
      ...groupItems.map((g) => `group ${g.consumer}: ${g.state}, ${g.members} member(s), lag ${g.lag}`),
      ...projectionItems.map(
        (p) =>
          `read model ${p.projection}: ${p.status}${p.activeGeneration === null ? '' : ` g${p.activeGeneration}`}${p.buildingGeneration === null ? '' : `, building g${p.buildingGeneration}`}, lag ${p.lag}`,
      ),
      `Topics read ${topicsReadAt}, groups ${groupsReadAt}, read models ${projectionsReadAt}.`,
      answerMetaText(meta),
    ].join('\n');
    return {
      structured: {
        topics: { readAt: topicsReadAt, items: topicItems },
        processors: { readAt: groupsReadAt, groups: groupItems },
        projections: { readAt: projectionsReadAt, items: projectionItems },
        ...meta,
      },
      text,
    };
  },
});
