import { z } from 'zod';
import {
  buildingTag,
  MIN_MONTH_COVERAGE,
  PORTFOLIO_TAG,
  type QueryLayer,
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

export const benchmarkTrendInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput.describe(
    "Start of the window (inclusive), ISO 8601; months are the building's local calendar months.",
  ),
  to: toInput,
  meterKind: meterKindInput.optional().describe('Meter kind; default electricity.'),
  unit: unitInput.optional(),
  asOf: asOfInput(true),
});

export const benchmarkTrendOutput = z.object({
  buildingId: z.string(),
  primaryUse: z.string().describe('Peers are the buildings of this primary use that you may see.'),
  floorAreaM2: z.number(),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  euiUnit: z.string().describe('Unit of the monthly EUI, e.g. kWh/m² (per month, not annualised).'),
  months: z.array(
    z.object({
      month: z.string().describe('YYYY-MM, local calendar month.'),
      eui: z.number(),
      consumption: z.number(),
      coverage: z.number().describe("Hours with data over the month's hours in the window (0..1)."),
      compared: z
        .boolean()
        .describe(`False under ${MIN_MONTH_COVERAGE * 100} % coverage: not ranked nor in the trend.`),
      peers: z
        .object({ count: z.number().int(), p25: z.number(), median: z.number(), p75: z.number() })
        .nullable()
        .describe('Peers with enough coverage that month, this building included when compared.'),
      percentile: z
        .number()
        .nullable()
        .describe('Share (0..100) of the other compared buildings with a lower EUI.'),
    }),
  ),
  trend: z.object({
    months: z.number().int().describe('Compared months behind the trend.'),
    euiSlopePerMonth: z.number().nullable().describe('Least-squares slope of the monthly EUI, per month.'),
    relativeToMedianSlopePerMonth: z
      .number()
      .nullable()
      .describe("Slope of EUI / peers' median per month: positive = drifting above its peers."),
    yearOverYear: z
      .number()
      .nullable()
      .describe('Mean change against the same month a year before (-0.05 = 5 % less).'),
    yearOverYearPairs: z.number().int(),
  }),
  ...answerMetaOutput,
});

/** `benchmark_trend`: monthly EUI of a building against peers of its primary use, and its trend. */
export const benchmarkTrend = defineTool({
  name: TOOL_NAMES.benchmarkTrend,
  title: 'Monthly energy use intensity against peers, and its trend',
  description:
    'Returns a building\'s energy use intensity (consumption per m²) for each local calendar month of a window beside the peers of the same primary use (median, quartiles, count, its percentile), and the trend: slope per month, slope relative to the peers\' median, year-over-year change. Use it for "is building X getting worse than its peers".',
  input: benchmarkTrendInput,
  output: benchmarkTrendOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'energy', tags: ({ buildingId }) => [buildingTag(buildingId), PORTFOLIO_TAG] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'benchmarkTrend' | 'buildingTenant'>>) {
    const { queries, now, principal } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.benchmarkTrend({
      ...tenantField(principal),
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      ...asOfField(args.asOf),
    });
    const t = answer.data;
    if (t === undefined) throw unknownBuilding(args.buildingId);
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId: t.buildingId,
      primaryUse: t.primaryUse,
      floorAreaM2: t.floorAreaM2,
      meterKind: t.meterKind,
      unit: t.unit,
      euiUnit: t.euiUnit,
      months: t.months.map((m) => ({ ...m, peers: m.peers === null ? null : { ...m.peers } })),
      trend: { ...t.trend },
      ...meta,
    };
    const fmt = (v: number | null) => (v === null ? 'n/a' : String(round(v)));
    const text = [
      `${t.buildingId} (${t.primaryUse}, ${round(t.floorAreaM2)} m²) monthly ${t.meterKind} EUI in ${t.euiUnit}:`,
      ...(t.months.length === 0
        ? ['no months with data in the window.']
        : t.months.map(
            (m) =>
              `${m.month}: ${round(m.eui)}${m.compared ? '' : ` (coverage ${round(m.coverage)}, not compared)`}${m.peers === null ? '' : `; peers median ${round(m.peers.median)} (p25 ${round(m.peers.p25)}, p75 ${round(m.peers.p75)}, n ${m.peers.count})`}${m.percentile === null ? '' : `, percentile ${round(m.percentile)}`}`,
          )),
      `Trend over ${t.trend.months} compared month(s): ${fmt(t.trend.euiSlopePerMonth)} ${t.euiUnit} per month; relative to the peers' median ${fmt(t.trend.relativeToMedianSlopePerMonth)} per month; year over year ${t.trend.yearOverYear === null ? 'n/a' : `${round(100 * t.trend.yearOverYear)} %`}.`,
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
