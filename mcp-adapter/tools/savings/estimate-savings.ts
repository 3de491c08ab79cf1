import { z } from 'zod';
import { buildingTag, type QueryLayer, stationTag } from '../../../projections/index.ts';
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
  instantInput,
  meterKindInput,
  unitInput,
} from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

const rangeInput = (what: string) =>
  z
    .object({
      from: instantInput(`Start of the ${what} (inclusive)`),
      to: instantInput(`End of the ${what} (exclusive)`),
    })
    .optional();

export const estimateSavingsInput = z.object({
  buildingId: buildingIdInput,
  changeDate: instantInput(
    'When the change (retrofit, new schedule, replaced plant) took effect: the baseline ends and the reporting period starts here',
  ),
  meterKind: meterKindInput.optional().describe('Meter kind to measure; default electricity.'),
  unit: unitInput.optional(),
  baseline: rangeInput('baseline period').describe(
    'Baseline period; default the 365 days before changeDate (or as much of them as has data, at least minBaselineWeeks). Must end by changeDate.',
  ),
  reporting: rangeInput('reporting period').describe(
    'Reporting period; default from changeDate to asOf (or now). Must start at or after changeDate.',
  ),
  blackout: rangeInput('blackout').describe(
    'A stretch left out of both periods: the installation works, a shutdown, anything the baseline should not learn from.',
  ),
  confidence: z
    .number()
    .gt(0.5)
    .lt(1)
    .optional()
    .describe('Two-sided confidence level of the uncertainty, e.g. 0.9 (the default) or 0.95.'),
  minBaselineWeeks: z
    .number()
    .int()
    .min(1)
    .max(52)
    .optional()
    .describe('Refuse a baseline with fewer weeks of data than this; default 4.'),
  asOf: asOfInput(true),
});

const period = z.object({
  from: z.string().describe('First hour with consumption in the period.'),
  to: z.string().describe('End of the last hour with consumption in the period.'),
  hours: z.number().int().describe('Hours compared (with both consumption and a temperature).'),
  hoursWithoutTemperature: z.number().int().describe('Hours left out: no temperature from the station.'),
  hoursWithoutConsumption: z.number().int().describe('Hours left out: no consumption recorded.'),
});

export const estimateSavingsOutput = z.object({
  buildingId: z.string(),
  stationId: z.string().describe("The building's weather station, whose temperatures drive the baseline."),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  changeDate: z.string(),
  baseline: period,
  reporting: period,
  blackout: z.object({ from: z.string(), to: z.string() }).optional(),
  adjustedBaseline: z
    .number()
    .describe('What the baseline model predicts for the reporting hours at their actual temperatures.'),
  actual: z.number().describe('What was used over the same hours.'),
  avoided: z.number().describe('adjustedBaseline − actual: positive when less was used than predicted.'),
  savingsFraction: z.number().nullable().describe('avoided / adjustedBaseline.'),
  uncertainty: z
    .object({
      confidence: z.number(),
      absolute: z.number().describe('Half-width of the interval around avoided, in unit.'),
      fractional: z
        .number()
        .nullable()
        .describe('Fractional savings uncertainty ΔE/E (null when nothing was saved).'),
      n: z.number().int().describe('Baseline hours fitted.'),
      nEffective: z.number().describe("n' = n·(1−ρ)/(1+ρ), the independent points autocorrelation leaves."),
      rho: z.number().describe('Lag-1 autocorrelation of the baseline residuals.'),
      m: z.number().int().describe('Reporting hours.'),
      t: z.number().describe("Student's t at the confidence level, n' − p degrees of freedom."),
    })
    .describe("ASHRAE Guideline 14 Annex B: FSU = 1.26·t·(CV/F)·sqrt((n/n')·(1+2/n')/m)."),
  baselineFit: z
    .object({
      cvRmse: z.number().describe('CV(RMSE) as a fraction; Guideline 14 hourly limit 0.30.'),
      nmbe: z.number().describe('NMBE as a fraction; Guideline 14 hourly limit ±0.10.'),
      r2: z.number(),
      parameters: z.number().int().describe('Parameters the fit estimated (p).'),
      meetsGuideline14: z.boolean(),
    })
    .describe('In-sample scores of the TOWT baseline; a baseline outside the limits is refused.'),
  model: z.object({
    kind: z.literal('towt'),
    contentHash: z.string().describe('SHA-256 of the fitted model: the same data gives the same hash.'),
    coefficients: z.number().int(),
  }),
  ...answerMetaOutput,
});

const pct = (x: number | null): string => (x === null ? 'n/a' : `${round(x * 100)} %`);
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** `estimate_savings`: avoided energy since a change date against a Guideline 14 baseline, with its uncertainty. */
export const estimateSavings = defineTool({
  name: TOOL_NAMES.estimateSavings,
  title: 'Savings since a change (measurement and verification)',
  description:
    'Measures what a change at a building saved (ASHRAE Guideline 14, IPMVP Option C): fits a time-of-week-and-temperature baseline on the hours before changeDate, projects it over the hours after at their actual temperatures, and reports the avoided energy with its uncertainty at a confidence level. Refuses, with the figures, when the baseline does not meet Guideline 14\'s hourly limits (CV(RMSE) ≤ 30 %, NMBE within ±10 %). Use it for "did the retrofit at building X save anything".',
  input: estimateSavingsInput,
  output: estimateSavingsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: {
    category: 'energy',
    tags: ({ buildingId }, answer) => [buildingTag(buildingId), stationTag(answer.stationId)],
  },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'savings' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const range = (r: { from: string; to: string } | undefined) =>
      r === undefined ? undefined : { from: new Date(r.from), to: new Date(r.to) };
    const baseline = range(args.baseline);
    const reporting = range(args.reporting);
    const blackout = range(args.blackout);
    const answer = await queries.savings({
      buildingId: args.buildingId,
      changeDate: new Date(args.changeDate),
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      ...(baseline === undefined ? {} : { baseline }),
      ...(reporting === undefined ? {} : { reporting }),
      ...(blackout === undefined ? {} : { blackout }),
      ...(args.confidence === undefined ? {} : { confidence: args.confidence }),
      ...(args.minBaselineWeeks === undefined ? {} : { minBaselineWeeks: args.minBaselineWeeks }),
      ...asOfField(args.asOf),
    });
    const s = answer.data;
    if (s === undefined) throw unknownBuilding(args.buildingId);
    const meta = answerMeta(answer, now());
    const periodOf = (p: typeof s.baseline) => ({
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      hours: p.hours,
      hoursWithoutTemperature: p.leftOut.missingTemperature,
      hoursWithoutConsumption: p.leftOut.missingConsumption,
    });
    const u = s.uncertainty;
    const structured = {
      buildingId: s.buildingId,
      stationId: s.stationId,
      meterKind: s.meterKind,
      unit: s.unit,
      changeDate: s.changeDate.toISOString(),
      baseline: periodOf(s.baseline),
      reporting: periodOf(s.reporting),
      ...(s.blackout === undefined
        ? {}
        : { blackout: { from: s.blackout.from.toISOString(), to: s.blackout.to.toISOString() } }),
      adjustedBaseline: s.adjustedBaseline,
      actual: s.actual,
      avoided: s.avoided,
      savingsFraction: finiteOrNull(s.savingsFraction),
      uncertainty: {
        confidence: u.confidence,
        absolute: u.absolute,
        fractional: finiteOrNull(u.fractional),
        n: u.n,
        nEffective: u.nEffective,
        rho: u.rho,
        m: u.m,
        t: u.t,
      },
      baselineFit: {
        cvRmse: s.baselineFit.cvRmse,
        nmbe: s.baselineFit.nmbe,
        r2: s.baselineFit.r2,
        parameters: s.baselineFit.parameters,
        meetsGuideline14: true,
      },
      model: { kind: s.model.kind, contentHash: s.model.contentHash, coefficients: s.model.coefficients },
      ...meta,
    };
    const confidence = `${round(u.confidence * 100)} %`;
    const text = [
      `${s.buildingId} ${s.meterKind} since ${structured.changeDate}: avoided ${round(s.avoided)} ± ${round(u.absolute)} ${s.unit} at ${confidence} confidence (${pct(structured.savingsFraction)} of the adjusted baseline ${round(s.adjustedBaseline)} ${s.unit}; actual ${round(s.actual)}).`,
      `Fractional savings uncertainty ${pct(structured.uncertainty.fractional)} (ASHRAE Guideline 14: n ${u.n}, n' ${round(u.nEffective)}, ρ ${round(u.rho)}, m ${u.m}, t ${round(u.t)}).`,
      `Baseline ${structured.baseline.from} to ${structured.baseline.to}: TOWT, CV(RMSE) ${pct(s.baselineFit.cvRmse)}, NMBE ${pct(s.baselineFit.nmbe)}, R² ${round(s.baselineFit.r2)}, ${s.baselineFit.parameters} parameters (model ${s.model.contentHash.slice(0, 12)}); hours left out: baseline ${s.baseline.leftOut.missingTemperature} without temperature, ${s.baseline.leftOut.missingConsumption} without consumption; reporting ${s.reporting.leftOut.missingTemperature} and ${s.reporting.leftOut.missingConsumption}.`,
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
