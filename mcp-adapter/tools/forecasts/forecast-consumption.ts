import { z } from 'zod';
import {
  buildingTag,
  type MeterForecastView,
  meterTag,
  type QueryLayer,
} from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS, TEMPERATURE_SOURCES } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { buildingIdInput, instantInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const horizonInput = z
  .enum(['day-ahead', 'week-ahead'])
  .describe("'day-ahead': the building's next local day; 'week-ahead': its next seven local days.");

export const modelVersionInput = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9.-]*$/, 'a version name such as towt-v1')
  .describe('A model version, e.g. towt-v1, towt-v2, seasonal-naive-v1.');

export const forecastConsumptionInput = z.object({
  buildingId: buildingIdInput,
  meterId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Only this meter of the building; default all its meters.'),
  horizon: horizonInput.optional().describe("Default 'day-ahead'."),
  version: modelVersionInput
    .optional()
    .describe('Use this version instead of the promoted one (for A/B checks).'),
  asOf: instantInput(
    'Read the forecast for the day (or week) after this instant instead of after now, e.g. what was forecast for a past day',
  ).optional(),
});

const scoresOutput = z.object({
  n: z.number().int().describe('Held-back hours scored.'),
  cvRmse: z.number().nullable().describe('CV(RMSE) on the held-back window, a fraction (0.25 = 25 %).'),
  nmbe: z
    .number()
    .nullable()
    .describe('NMBE on the held-back window, a fraction; positive = under-predicts.'),
  r2: z.number().nullable(),
});

export const forecastConsumptionOutput = z.object({
  buildingId: z.string(),
  timeZone: z.string(),
  horizon: horizonInput,
  from: z.string().describe('First forecast hour (UTC).'),
  to: z.string().describe('End of the last forecast hour (UTC, exclusive).'),
  hoursExpected: z.number().int().describe('Hours the horizon covers.'),
  meters: z.array(
    z.object({
      meterId: z.string(),
      meterKind: z.enum(METER_KINDS),
      unit: z.enum(READING_UNITS),
      version: z.string().describe('Model version behind the values.'),
      chosenBy: z.string().describe("'meter', 'building' or 'all' promotion, 'default', or 'asked for'."),
      modelId: z.string().nullable(),
      modelKind: z.string().nullable(),
      trainingFrom: z.string().nullable(),
      trainingTo: z.string().nullable(),
      heldBack: scoresOutput
        .nullable()
        .describe('Out-of-sample scores of the model on its held-back window.'),
      issuedAt: z.string().nullable(),
      temperatures: z
        .object({ forecast: z.number().int(), observed: z.number().int(), climatology: z.number().int() })
        .describe("Hours per temperature source: 'forecast', 'observed' (already measured), 'climatology'."),
      hours: z.array(
        z.object({
          hourStart: z.string(),
          value: z.number(),
          temperatureC: z.number().nullable(),
          temperatureSource: z.enum(TEMPERATURE_SOURCES).nullable(),
        }),
      ),
      total: z.number().describe('Sum of the forecast hours, in unit.'),
      missing: z.string().nullable().describe('Why this meter has no forecast, when it has none.'),
    }),
  ),
  totals: z
    .array(z.object({ meterKind: z.enum(METER_KINDS), unit: z.enum(READING_UNITS), total: z.number() }))
    .describe('Forecast totals per meter kind and unit over the forecast meters.'),
  ...answerMetaOutput,
});

const chosenBy = (m: MeterForecastView): string =>
  m.choice.reason === 'asked for' && m.choice.scope === 'default' ? 'asked for' : m.choice.scope;

function missingOf(m: MeterForecastView): string | null {
  if (m.hours.length > 0) return null;
  if (!m.hasModel) return `no ${m.choice.version} model trained for ${m.meterId} yet`;
  return `no ${m.choice.version} forecast issued for these hours yet (the job of npm start issues them hourly; eaio models forecast does now)`;
}

/** `forecast_consumption`: a building's stored forecast with the model version and scores behind it. */
export const forecastConsumption = defineTool({
  name: TOOL_NAMES.forecastConsumption,
  title: "A building's consumption forecast",
  description:
    'Forecast hourly consumption of a building (or one meter) for tomorrow (day-ahead, the building\'s next local day) or the week ahead: hourly values and totals, the model version and modelId behind them, the model\'s out-of-sample CV(RMSE)/NMBE/R² on its held-back window, its training window, and which temperatures were used (weather forecast, observed, or climatology). Use it for "what will building X use tomorrow". Refuses, saying how to train one, when no model exists yet.',
  input: forecastConsumptionInput,
  output: forecastConsumptionOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: {
    category: 'energy',
    tags: ({ buildingId, meterId }) =>
      meterId ? [buildingTag(buildingId), meterTag(meterId)] : [buildingTag(buildingId)],
  },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'forecast' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const horizon = args.horizon ?? 'day-ahead';
    const answer = await queries.forecast({
      buildingId: args.buildingId,
      ...(args.meterId === undefined ? {} : { meterId: args.meterId }),
      horizon: horizon === 'day-ahead' ? 'day_ahead' : 'week_ahead',
      ...(args.version === undefined ? {} : { version: args.version }),
      now: args.asOf === undefined ? new Date(now()) : new Date(args.asOf),
    });
    const view = answer.data;
    if (view === undefined) throw unknownBuilding(args.buildingId);
    if (view.meters.length === 0) {
      throw new ToolRefusal(
        args.meterId === undefined
          ? `Building ${args.buildingId} has no registered meter to forecast.`
          : `Building ${args.buildingId} has no meter '${args.meterId}'; get_building lists its meters.`,
      );
    }
    if (view.meters.every((m) => !m.hasModel)) {
      const versions = [...new Set(view.meters.map((m) => m.choice.version))].join(', ');
      throw new ToolRefusal(
        `No ${versions} model has been trained for ${args.meterId ?? `the meters of ${args.buildingId}`} yet, so there is no forecast. An operator trains one with \`eaio models train\` (it needs at least a week of hourly consumption with the station's temperatures before the held-back week); \`npm start\` trains daily when models.job.enabled.`,
      );
    }
    const meters = view.meters.map((m) => {
      const model = m.models[0];
      const temperatures = { forecast: 0, observed: 0, climatology: 0 };
      for (const h of m.hours) if (h.temperatureSource !== null) temperatures[h.temperatureSource] += 1;
      return {
        meterId: m.meterId,
        meterKind: m.meterKind,
        unit: m.unit,
        version: m.choice.version,
        chosenBy: chosenBy(m),
        modelId: model?.modelId ?? null,
        modelKind: model?.modelKind ?? null,
        trainingFrom: model?.trainingFrom.toISOString() ?? null,
        trainingTo: model?.trainingTo.toISOString() ?? null,
        heldBack: model === undefined ? null : { ...model.heldBack },
        issuedAt: m.issuedAt?.toISOString() ?? null,
        temperatures,
        hours: m.hours.map((h) => ({
          hourStart: h.hourStart.toISOString(),
          value: h.value,
          temperatureC: h.temperatureC,
          temperatureSource: h.temperatureSource,
        })),
        total: m.total,
        missing: missingOf(m),
      };
    });
    const totals = new Map<
      string,
      { meterKind: MeterForecastView['meterKind']; unit: MeterForecastView['unit']; total: number }
    >();
    for (const m of view.meters) {
      if (m.hours.length === 0) continue;
      const key = `${m.meterKind}/${m.unit}`;
      const t = totals.get(key) ?? { meterKind: m.meterKind, unit: m.unit, total: 0 };
      totals.set(key, { ...t, total: t.total + m.total });
    }
    const meta = answerMeta(answer, now());
    const pct = (x: number | null | undefined) => (x == null ? 'n/a' : `${round(x * 100)} %`);
    const text = [
      `${horizon} forecast of ${view.buildingId} (${view.timeZone}) for ${view.from.toISOString()} to ${view.to.toISOString()}:`,
      ...[...totals.values()].map((t) => `total ${t.meterKind} ${round(t.total)} ${t.unit}`),
      ...meters.map((m) =>
        m.missing !== null
          ? `${m.meterId}: ${m.missing}`
          : `${m.meterId} ${m.meterKind}: ${round(m.total)} ${m.unit} over ${m.hours.length}/${view.hoursExpected} h, ${m.version} (${m.chosenBy}) model ${m.modelId}, held-back CV(RMSE) ${pct(m.heldBack?.cvRmse)}, NMBE ${pct(m.heldBack?.nmbe)} (n=${m.heldBack?.n ?? 0}), trained on ${m.trainingFrom} to ${m.trainingTo}; temperatures ${JSON.stringify(m.temperatures)}`,
      ),
      answerMetaText(meta),
    ].join('\n');
    return {
      structured: {
        buildingId: view.buildingId,
        timeZone: view.timeZone,
        horizon,
        from: view.from.toISOString(),
        to: view.to.toISOString(),
        hoursExpected: view.hoursExpected,
        meters,
        totals: [...totals.values()],
        ...meta,
      },
      text,
    };
  },
});
