import { z } from 'zod';
import {
  buildingTag,
  meterTag,
  modelVersionNamed,
  PORTFOLIO_TAG,
  type QueryLayer,
  type VersionAccuracy,
} from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { tenantField, visibleBuilding } from '../../tenancy.ts';
import { buildingIdInput, instantInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { horizonInput, modelVersionInput } from './forecast-consumption.ts';

/** Fewer paired hours than this and the answer says "not enough data" rather than naming a winner. */
export const MIN_COMPARISON_HOURS = 48;

const DAY_MS = 86_400_000;

export const compareModelsInput = z.object({
  versionA: modelVersionInput,
  versionB: modelVersionInput,
  buildingId: buildingIdInput
    .optional()
    .describe("Only this building's meters; default every meter you may see."),
  meterId: z.string().min(1).max(200).optional().describe('Only this meter (give its buildingId too).'),
  days: z
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe('Rolling window of hours ending now, in days; default 14.'),
  horizon: horizonInput.optional().describe("Which stored forecasts to score; default 'day-ahead'."),
  to: instantInput('End of the window (exclusive); default now').optional(),
});

const accuracyOutput = z.object({
  version: z.string(),
  n: z.number().int().describe('Hours compared (the same hours for both versions).'),
  meters: z.number().int(),
  cvRmse: z.number().nullable().describe('CV(RMSE) of the stored forecasts against actuals, a fraction.'),
  nmbe: z.number().nullable().describe('NMBE, a fraction; positive = the version under-forecast.'),
});

export const compareModelsOutput = z.object({
  from: z.string(),
  to: z.string(),
  horizon: horizonInput,
  a: accuracyOutput,
  b: accuracyOutput,
  minimumN: z.number().int().describe('Paired hours needed before a winner is named.'),
  verdict: z.enum(['a', 'b', 'tie', 'not enough data']),
  better: z.string().nullable().describe('The version with the lower CV(RMSE), when there is enough data.'),
  cvRmseDifference: z
    .number()
    .nullable()
    .describe('CV(RMSE) of the worse minus the better, in fraction points (0.05 = 5 points).'),
  relativeImprovement: z.number().nullable().describe('That difference over the worse CV(RMSE), a fraction.'),
  ...answerMetaOutput,
});

const view = (a: VersionAccuracy) => ({
  version: a.version,
  n: a.n,
  meters: a.meters,
  cvRmse: a.cvRmse,
  nmbe: a.nmbe,
});

/** `compare_models`: live accuracy of two versions on the same meters and hours. */
export const compareModels = defineTool({
  name: TOOL_NAMES.compareModels,
  title: 'Compare two forecast model versions',
  description: `Live A/B of two forecast model versions on the same meters over a rolling window: their stored forecasts scored against the actual hourly consumption that has since arrived, on the hours both versions forecast (CV(RMSE), NMBE and n for each), which is better and by how much. Below ${MIN_COMPARISON_HOURS} paired hours it says "not enough data" instead of naming a winner. Use it before promote_model.`,
  input: compareModelsInput,
  output: compareModelsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: {
    category: 'energy',
    tags: ({ buildingId, meterId }) =>
      buildingId === undefined
        ? [PORTFOLIO_TAG]
        : meterId === undefined
          ? [buildingTag(buildingId)]
          : [buildingTag(buildingId), meterTag(meterId)],
  },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'liveAccuracy' | 'buildingTenant'>>) {
    const { queries, principal, now } = context;
    if (args.versionA === args.versionB) throw new ToolRefusal('Give two different versions to compare.');
    modelVersionNamed(args.versionA);
    modelVersionNamed(args.versionB);
    if (args.meterId !== undefined && args.buildingId === undefined) {
      throw new ToolRefusal('Give the buildingId of the meter too.');
    }
    if (args.buildingId !== undefined) await visibleBuilding(context, args.buildingId);
    const horizon = args.horizon ?? 'day-ahead';
    const end = args.to === undefined ? now() : Date.parse(args.to);
    const to = new Date(Math.floor(end / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - (args.days ?? 14) * DAY_MS);
    const answer = await queries.liveAccuracy({
      versions: [args.versionA, args.versionB],
      horizon: horizon === 'day-ahead' ? 'day_ahead' : 'week_ahead',
      from,
      to,
      ...(args.buildingId === undefined ? tenantField(principal) : { buildingId: args.buildingId }),
      ...(args.meterId === undefined ? {} : { meterId: args.meterId }),
    });
    const [a, b] = answer.data;
    if (a === undefined || b === undefined)
      throw new Error('liveAccuracy answered fewer versions than asked');
    const enough = a.n >= MIN_COMPARISON_HOURS && a.cvRmse !== null && b.cvRmse !== null;
    let verdict: 'a' | 'b' | 'tie' | 'not enough data' = 'not enough data';
    let better: string | null = null;
    let difference: number | null = null;
    let relative: number | null = null;
    if (enough && a.cvRmse !== null && b.cvRmse !== null) {
      difference = Math.abs(a.cvRmse - b.cvRmse);
      const worse = Math.max(a.cvRmse, b.cvRmse);
      relative = worse === 0 ? 0 : difference / worse;
      verdict = a.cvRmse === b.cvRmse ? 'tie' : a.cvRmse < b.cvRmse ? 'a' : 'b';
      better = verdict === 'a' ? a.version : verdict === 'b' ? b.version : null;
    }
    const meta = answerMeta(answer, now());
    const pct = (x: number | null) => (x === null ? 'n/a' : `${round(x * 100)} %`);
    const line = (x: VersionAccuracy) =>
      `${x.version}: CV(RMSE) ${pct(x.cvRmse)}, NMBE ${pct(x.nmbe)}, n=${x.n} hour(s) over ${x.meters} meter(s)`;
    const head =
      verdict === 'not enough data'
        ? `Not enough data: ${a.n} paired hour(s) with actuals between ${from.toISOString()} and ${to.toISOString()}; at least ${MIN_COMPARISON_HOURS} are needed to name a winner.`
        : verdict === 'tie'
          ? `Tie on ${a.n} paired hours.`
          : `${better} is better by ${round((difference ?? 0) * 100)} CV(RMSE) points (${round((relative ?? 0) * 100)} % lower) on ${a.n} paired hours.`;
    return {
      structured: {
        from: from.toISOString(),
        to: to.toISOString(),
        horizon,
        a: view(a),
        b: view(b),
        minimumN: MIN_COMPARISON_HOURS,
        verdict,
        better,
        cvRmseDifference: difference,
        relativeImprovement: relative,
        ...meta,
      },
      text: [head, line(a), line(b), answerMetaText(meta)].join('\n'),
    };
  },
});
