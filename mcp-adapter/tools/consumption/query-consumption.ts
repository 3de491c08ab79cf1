import { z } from 'zod';
import { buildingTag, type QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import {
  asOfField,
  asOfInput,
  buildingIdInput,
  fromInput,
  meterKindInput,
  toInput,
} from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const queryConsumptionInput = z.object({
  buildingId: buildingIdInput,
  meterKind: meterKindInput
    .optional()
    .describe('Only meters of this kind; every kind otherwise (each kind and unit summed apart).'),
  meterId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Only this meter of the building, e.g. Office_Cristina:electricity.'),
  from: fromInput,
  to: toInput,
  bucket: z
    .enum(['15m', '1h', '1d'])
    .describe("Bucket size: '15m', '1h' or '1d'. At most 800 buckets per answer."),
  asOf: asOfInput(true),
});

export const queryConsumptionOutput = z.object({
  buildingId: z.string(),
  bucket: z.enum(['15m', '1h', '1d']),
  from: z.string(),
  to: z.string(),
  buckets: z
    .array(
      z.object({
        start: z.string().describe('Bucket start, ISO 8601.'),
        end: z.string().describe('Bucket end (exclusive), ISO 8601.'),
        meterKind: z.enum(METER_KINDS),
        unit: z.enum(READING_UNITS),
        total: z.number().describe('Sum of the readings of every meter in the bucket.'),
        readings: z.number().int().describe('Readings that contributed.'),
        meters: z.number().int().describe('Meters that reported in the bucket.'),
      }),
    )
    .describe('Per bucket, kind and unit, oldest first. Buckets without readings are absent, not zero.'),
  ...answerMetaOutput,
});

/** `query_consumption`: a building's (or meter's) consumption per bucket over a range, from the rollups. */
export const queryConsumptionTool = defineTool({
  name: TOOL_NAMES.queryConsumption,
  title: 'Consumption of a building over time',
  description:
    'Returns the consumption of one building (optionally one meter or one meter kind) summed per 15-minute, hourly or daily bucket over an event-time range, with totals per kind and unit. Use it for "how much did building X use last week, per day".',
  input: queryConsumptionInput,
  output: queryConsumptionOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'energy', tags: ({ buildingId }) => [buildingTag(buildingId)] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'consumption' | 'building' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.consumption({
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      bucket: args.bucket,
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.meterId === undefined ? {} : { meterId: args.meterId }),
      ...asOfField(args.asOf),
    });
    if (answer.data.length === 0 && (await queries.building(args.buildingId)) === undefined) {
      throw unknownBuilding(args.buildingId);
    }
    const meta = answerMeta(answer, now());
    const buckets = answer.data.map((b) => ({
      start: b.start.toISOString(),
      end: b.end.toISOString(),
      meterKind: b.meterKind,
      unit: b.unit,
      total: b.total,
      readings: b.readings,
      meters: b.meters,
    }));
    const totals = new Map<string, { total: number; buckets: number }>();
    for (const b of buckets) {
      const key = `${b.meterKind} in ${b.unit}`;
      const t = totals.get(key) ?? { total: 0, buckets: 0 };
      totals.set(key, { total: t.total + b.total, buckets: t.buckets + 1 });
    }
    const scope =
      args.meterId ?? (args.meterKind ? `${args.buildingId} (${args.meterKind})` : args.buildingId);
    const lines =
      buckets.length === 0
        ? [`${scope} has no readings between ${args.from} and ${args.to}.`]
        : [
            `Consumption of ${scope} from ${args.from} to ${args.to}, per ${args.bucket}:`,
            ...[...totals].map(([key, t]) => `${key}: ${round(t.total)} over ${t.buckets} bucket(s)`),
          ];
    return {
      structured: {
        buildingId: args.buildingId,
        bucket: args.bucket,
        from: args.from,
        to: args.to,
        buckets,
        ...meta,
      },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
