import { z } from 'zod';
import {
  buildingTag,
  MAX_SIMILAR_BUILDINGS,
  PORTFOLIO_TAG,
  type QueryLayer,
  SHAPES,
} from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { tenantField, visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import {
  asOfField,
  asOfInput,
  buildingIdInput,
  fromInput,
  meterKindInput,
  toInput,
  unitInput,
} from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const findSimilarBuildingsInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput.describe(
    'Start of the window the shapes are read over (inclusive), ISO 8601; at least 7 days, at most 366.',
  ),
  to: toInput,
  meterKind: meterKindInput
    .optional()
    .describe('Meter kind whose load shape is compared; default electricity.'),
  unit: unitInput.optional(),
  samePrimaryUse: z.boolean().optional().describe('Only buildings of the same primary use (default false).'),
  rankBy: z
    .enum(SHAPES)
    .optional()
    .describe(
      "Rank by the 24-hour 'daily' shape, the 168-hour 'weekly' shape, or 'both' (mean of the two distances, default).",
    ),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_SIMILAR_BUILDINGS)
    .optional()
    .describe(`At most this many buildings (default 10).`),
  asOf: asOfInput(true),
});

const shapeSummary = z.object({
  hours: z.number().int().describe('Hours of data behind the shape vector.'),
  minHoursPerElement: z.number().int().describe('Fewest hours behind any one local hour of the shape.'),
});

export const findSimilarBuildingsOutput = z.object({
  buildingId: z.string(),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  rankBy: z.enum(SHAPES),
  distanceMethod: z.string().describe('How the distance is defined.'),
  target: z.object({
    primaryUse: z.string(),
    floorAreaM2: z.number().nullable(),
    daily: shapeSummary.extend({
      shape: z.array(z.number()).describe('24 local hours, each over the mean.'),
    }),
    weekly: shapeSummary,
  }),
  similar: z
    .array(
      z.object({
        buildingId: z.string(),
        primaryUse: z.string(),
        floorAreaM2: z.number().nullable(),
        distance: z.number().describe('The distance ranked by (0 = identical shape).'),
        dailyDistance: z.number(),
        weeklyDistance: z.number(),
        daily: shapeSummary,
        weekly: shapeSummary,
      }),
    )
    .describe('Nearest first.'),
  incomplete: z.array(z.string()).describe('Candidates left out: an hour of their day or week had no data.'),
  ...answerMetaOutput,
});

const counts = (v: { hours: number; minHoursPerElement: number }) => ({
  hours: v.hours,
  minHoursPerElement: v.minHoursPerElement,
});

/** `find_similar_buildings`: buildings nearest in normalised daily and weekly load shape. */
export const findSimilarBuildings = defineTool({
  name: TOOL_NAMES.findSimilarBuildings,
  title: 'Buildings with the most similar load shape',
  description:
    'Finds the buildings whose normalised load shape (mean consumption of each local hour of the day and of the week, divided by the profile\'s mean, so size does not matter) is nearest a building\'s over a window, with the distance (root-mean-square difference of the normalised profiles), the hours behind each shape, primary use and floor area. Use it for "which buildings behave like X".',
  input: findSimilarBuildingsInput,
  output: findSimilarBuildingsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'energy', tags: ({ buildingId }) => [buildingTag(buildingId), PORTFOLIO_TAG] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'similarBuildings' | 'buildingTenant'>>) {
    const { queries, now, principal } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.similarBuildings({
      ...tenantField(principal),
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      ...(args.samePrimaryUse === undefined ? {} : { samePrimaryUse: args.samePrimaryUse }),
      ...(args.rankBy === undefined ? {} : { rankBy: args.rankBy }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...asOfField(args.asOf),
    });
    const s = answer.data;
    if (s === undefined) throw unknownBuilding(args.buildingId);
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId: s.target.buildingId,
      meterKind: s.meterKind,
      unit: s.unit,
      rankBy: s.rankBy,
      distanceMethod: s.distanceMethod,
      target: {
        primaryUse: s.target.primaryUse,
        floorAreaM2: s.target.floorAreaM2,
        daily: { ...counts(s.target.daily), shape: [...s.target.daily.values] },
        weekly: counts(s.target.weekly),
      },
      similar: s.similar.map((b) => ({
        buildingId: b.buildingId,
        primaryUse: b.primaryUse,
        floorAreaM2: b.floorAreaM2,
        distance: b.distance,
        dailyDistance: b.dailyDistance,
        weeklyDistance: b.weeklyDistance,
        daily: counts(b.daily),
        weekly: counts(b.weekly),
      })),
      incomplete: [...s.incomplete],
      ...meta,
    };
    const text = [
      `Buildings most like ${s.target.buildingId} (${s.target.primaryUse}) in ${s.rankBy} ${s.meterKind} load shape, by ${s.distanceMethod}:`,
      ...(s.similar.length === 0
        ? ['none with a complete shape in the window.']
        : s.similar.map(
            (b, i) =>
              `${i + 1}. ${b.buildingId} (${b.primaryUse}, ${b.floorAreaM2 === null ? 'no floor area' : `${round(b.floorAreaM2)} m²`}): distance ${round(b.distance)} (daily ${round(b.dailyDistance)}, weekly ${round(b.weeklyDistance)}; ${b.weekly.hours} h of data).`,
          )),
      ...(s.incomplete.length > 0 ? [`Left out, incomplete shape: ${s.incomplete.join(', ')}.`] : []),
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
