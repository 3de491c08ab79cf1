import { z } from 'zod';
import { buildingTag, MAX_ANOMALIES, type QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { asOfField, asOfInput, buildingIdInput, instantInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const listAnomaliesInput = z.object({
  buildingId: buildingIdInput,
  meterId: z.string().min(1).max(200).optional().describe('Only anomalies of this meter of the building.'),
  from: instantInput('Only anomalies detected at or after this event time').optional(),
  to: instantInput('Only anomalies detected before this event time').optional(),
  minScore: z
    .number()
    .min(0)
    .optional()
    .describe(
      'Severity threshold: only anomalies whose robust z-score is at least this in magnitude (e.g. 5).',
    ),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_ANOMALIES)
    .optional()
    .describe(`At most this many, newest first; default 50, at most ${MAX_ANOMALIES}.`),
  asOf: asOfInput(false),
});

export const listAnomaliesOutput = z.object({
  buildingId: z.string(),
  anomalies: z
    .array(
      z.object({
        eventId: z.string(),
        occurredAt: z.string().describe('When it was detected (event time), ISO 8601.'),
        meterId: z.string(),
        meterKind: z.enum(METER_KINDS),
        unit: z.enum(READING_UNITS),
        readingAt: z.string().describe('Event time of the anomalous reading, ISO 8601.'),
        observedValue: z.number(),
        expectedLow: z.number().describe('Lower bound of the expected band.'),
        expectedHigh: z.number().describe('Upper bound of the expected band.'),
        score: z.number().describe('Robust z-score: how far outside the baseline.'),
        method: z.string().describe('Detection method, e.g. hour-of-week-mad.'),
      }),
    )
    .describe('Newest first.'),
  ...answerMetaOutput,
});

/** `list_anomalies`: the anomalies detected in a building's readings, newest first. */
export const listAnomalies = defineTool({
  name: TOOL_NAMES.listAnomalies,
  title: 'Anomalies of a building',
  description:
    'Lists the anomalies detected in one building\'s readings (observed value against the expected band, robust z-score), newest first, optionally for one meter, a time range and a minimum score. Use it for "did anything unusual happen in building X".',
  input: listAnomaliesInput,
  output: listAnomaliesOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'sensors', tags: ({ buildingId }) => [buildingTag(buildingId)] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'anomalies' | 'building' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.anomalies({
      buildingId: args.buildingId,
      ...(args.meterId === undefined ? {} : { meterId: args.meterId }),
      ...(args.from === undefined ? {} : { from: new Date(args.from) }),
      ...(args.to === undefined ? {} : { to: new Date(args.to) }),
      ...(args.minScore === undefined ? {} : { minScore: args.minScore }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...asOfField(args.asOf),
    });
    if (answer.data.length === 0 && (await queries.building(args.buildingId)) === undefined) {
      throw unknownBuilding(args.buildingId);
    }
    const meta = answerMeta(answer, now());
    const anomalies = answer.data.map((a) => ({
      eventId: a.eventId,
      occurredAt: a.occurredAt.toISOString(),
      meterId: a.meterId,
      meterKind: a.meterKind,
      unit: a.unit,
      readingAt: a.readingAt.toISOString(),
      observedValue: a.observedValue,
      expectedLow: a.expectedLow,
      expectedHigh: a.expectedHigh,
      score: a.score,
      method: a.method,
    }));
    const shown = anomalies.slice(0, 10);
    const lines =
      anomalies.length === 0
        ? [`No anomalies of ${args.meterId ?? args.buildingId} match.`]
        : [
            `${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'} of ${args.meterId ?? args.buildingId}, newest first:`,
            ...shown.map(
              (a) =>
                `${a.readingAt} ${a.meterId}: ${round(a.observedValue)} ${a.unit}, expected ${round(a.expectedLow)}..${round(a.expectedHigh)} (score ${round(a.score)})`,
            ),
            ...(anomalies.length > shown.length ? [`... and ${anomalies.length - shown.length} more.`] : []),
          ];
    return {
      structured: { buildingId: args.buildingId, anomalies, ...meta },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
