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
  fromInput,
  meterKindInput,
  toInput,
  unitInput,
} from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const weatherImpactInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput,
  to: toInput,
  meterKind: meterKindInput.optional().describe('Meter kind to model; default electricity.'),
  unit: unitInput.optional(),
  sampleBy: z
    .enum(['day', 'hour'])
    .optional()
    .describe(
      "What one model sample is: 'day' (default, smooths occupancy schedules) or 'hour'. At least 3 are needed.",
    ),
  reference: z
    .object({
      hdd: z.number().min(0).describe('Heating degree-hours of the reference weather over the range.'),
      cdd: z.number().min(0).describe('Cooling degree-hours of the reference weather over the range.'),
    })
    .optional()
    .describe('Reference weather to normalise to; default none (the weather-independent part).'),
  asOf: asOfInput(true),
});

export const weatherImpactOutput = z.object({
  buildingId: z.string(),
  stationId: z.string().describe("The building's weather station."),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  hours: z.number().int().describe('Hours with both consumption and a temperature; only these are compared.'),
  actual: z.number().describe('Consumption over those hours.'),
  heatingDegreeHours: z.number(),
  coolingDegreeHours: z.number(),
  model: z
    .object({
      base: z.number().describe('Baseload: weather-independent consumption per sample.'),
      heatingSlope: z.number().describe('Consumption per heating degree-hour.'),
      coolingSlope: z.number().describe('Consumption per cooling degree-hour.'),
      r2: z.number().describe('Coefficient of determination of the fit (1 = perfect).'),
      samples: z.number().int().describe('Samples fitted.'),
    })
    .describe('consumption = base + heatingSlope·HDD + coolingSlope·CDD per sample, least squares.'),
  predicted: z.number().describe("What the model predicts for the range's own weather; compare with actual."),
  normalised: z.number().describe('The consumption re-expressed for the reference weather.'),
  ...answerMetaOutput,
});

/** `weather_impact`: a degree-hour model of a building's consumption and its weather-normalised consumption. */
export const weatherImpact = defineTool({
  name: TOOL_NAMES.weatherImpact,
  title: "Weather's share of a building's consumption",
  description:
    'Fits a building\'s consumption over a range against the heating and cooling degree-hours of its weather station (baseload, slopes, R²) and returns the consumption normalised to reference weather. Use it for "how much of building X\'s use is due to the weather".',
  input: weatherImpactInput,
  output: weatherImpactOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.weatherRead,
  cache: {
    category: 'weather',
    tags: ({ buildingId }, answer) => [buildingTag(buildingId), stationTag(answer.stationId)],
  },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'weatherNormalised' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.weatherNormalised({
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      ...(args.sampleBy === undefined ? {} : { sampleBy: args.sampleBy }),
      ...(args.reference === undefined ? {} : { reference: args.reference }),
      ...asOfField(args.asOf),
    });
    const w = answer.data;
    if (w === undefined) throw unknownBuilding(args.buildingId);
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId: w.buildingId,
      stationId: w.stationId,
      meterKind: w.meterKind,
      unit: w.unit,
      hours: w.hours,
      actual: w.actual,
      heatingDegreeHours: w.heatingDegreeHours,
      coolingDegreeHours: w.coolingDegreeHours,
      model: { ...w.model },
      predicted: w.predicted,
      normalised: w.normalised,
      ...meta,
    };
    const per = args.sampleBy ?? 'day';
    const text = [
      `${w.buildingId} ${w.meterKind} vs station ${w.stationId} over ${w.hours} hour(s): ${w.unit} per ${per} = ${round(w.model.base)} + ${round(w.model.heatingSlope)}·HDD + ${round(w.model.coolingSlope)}·CDD (R² ${round(w.model.r2)}, ${w.model.samples} samples).`,
      `Actual ${round(w.actual)} ${w.unit}, predicted ${round(w.predicted)}, normalised ${round(w.normalised)} (HDD ${round(w.heatingDegreeHours)}, CDD ${round(w.coolingDegreeHours)}).`,
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
