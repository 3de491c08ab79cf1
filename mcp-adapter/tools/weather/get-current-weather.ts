import { z } from 'zod';
import { EaioError } from '../../../infra/errors/index.ts';
import {
  buildingInfoTag,
  type CurrentWeather,
  type QueryLayer,
  stationTag,
} from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { tenantFilter, visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding, unknownStation } from '../../tool-errors.ts';
import { buildingIdInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const getCurrentWeatherInput = z.object({
  stationId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Weather station id, e.g. 'Panther_weather'. Give this or buildingId, not both."),
  buildingId: buildingIdInput
    .optional()
    .describe("A building id: its registered weather station's weather. Give this or stationId, not both."),
});

const observed = (what: string) =>
  z
    .object({
      value: z.number().describe(what),
      observedAt: z.string().describe('Event time of the observation that reported it, ISO 8601.'),
    })
    .optional();

export const getCurrentWeatherOutput = z.object({
  stationId: z.string(),
  buildingId: z.string().optional().describe('The building asked about, when asked by building.'),
  observedAt: z.string().describe("Event time of the station's newest observation, ISO 8601."),
  observationAgeMs: z.number().describe('How old that observation was when answered, in milliseconds.'),
  source: z.string().describe('What reported it (e.g. the BDG weather importer).'),
  values: z
    .object({
      temperatureC: observed('Air temperature, °C.'),
      dewPointC: observed('Dew point, °C.'),
      relativeHumidityPct: observed('Relative humidity, %.'),
      pressureHpa: observed('Sea-level pressure, hPa.'),
      windSpeedKmh: observed('Wind speed, km/h.'),
      windDirectionDeg: observed('Wind direction, degrees from north.'),
      precipitationMm: observed('Precipitation, mm.'),
      conditions: z
        .object({ value: z.string(), observedAt: z.string() })
        .optional()
        .describe('Conditions as reported, e.g. Clear.'),
    })
    .describe(
      'Each measurement’s newest reported value with its own time (a station may skip one in an observation); never-reported ones are absent.',
    ),
  ...answerMetaOutput,
});

function valuesOf(w: CurrentWeather) {
  const out: Record<string, { value: number | string; observedAt: string }> = {};
  for (const [field, v] of Object.entries(w.values)) {
    if (v !== undefined) out[field] = { value: v.value, observedAt: v.observedAt.toISOString() };
  }
  return out as z.input<typeof getCurrentWeatherOutput>['values'];
}

/** `get_current_weather`: the newest observation at a station, or at a building's station. */
export const getCurrentWeather = defineTool({
  name: TOOL_NAMES.getCurrentWeather,
  title: 'Current weather at a station or building',
  description:
    'Returns the newest weather observed at a station, or at a building\'s registered station: temperature, dew point, humidity, pressure, wind, precipitation and conditions, each with its event time, and how old it is. Use it for "what is the weather at building X now".',
  input: getCurrentWeatherInput,
  output: getCurrentWeatherOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.weatherRead,
  // The station's observations evict it; asked by building, so does its re-registration (a new station).
  cache: {
    category: 'weather',
    tags: ({ buildingId }, answer) => [
      stationTag(answer.stationId),
      ...(buildingId === undefined ? [] : [buildingInfoTag(buildingId)]),
    ],
  },
  async handle(
    args,
    context: ToolContext<
      Pick<QueryLayer, 'stationWeather' | 'buildingWeather' | 'buildingTenant' | 'stationServesTenant'>
    >,
  ) {
    const { queries, now, principal } = context;
    if ((args.stationId === undefined) === (args.buildingId === undefined)) {
      throw new EaioError('INVALID_ARGUMENT', 'permanent', 'give exactly one of stationId and buildingId', {
        context: { stationId: args.stationId, buildingId: args.buildingId },
      });
    }
    let answer: Awaited<ReturnType<QueryLayer['stationWeather']>>;
    let stationId: string;
    if (args.buildingId !== undefined) {
      const buildingId = args.buildingId;
      await visibleBuilding(context, buildingId);
      const building = await queries.buildingWeather(buildingId);
      const b = building.data;
      if (b === undefined) throw unknownBuilding(buildingId);
      if (b.stationId === null) {
        throw new ToolRefusal(
          `Building '${buildingId}' is registered without a weather station, so it has no current weather.`,
        );
      }
      stationId = b.stationId;
      answer = { ...building, data: b.weather };
    } else {
      stationId = args.stationId ?? '';
      // A station is visible to a tenant through its buildings: another tenant's station reads as unknown.
      const tenant = tenantFilter(principal);
      if (tenant !== undefined && !(await queries.stationServesTenant(stationId, tenant))) {
        throw unknownStation(stationId);
      }
      answer = await queries.stationWeather(stationId);
    }
    const w = answer.data;
    if (w === undefined) {
      if (args.stationId !== undefined) throw unknownStation(stationId);
      throw new ToolRefusal(
        `Station '${stationId}' of building '${args.buildingId}' has reported no observation yet; retry later or ask weather_impact for past weather.`,
      );
    }
    const meta = answerMeta(answer, now());
    const ageMs = Math.max(0, now() - w.observedAt.getTime());
    const values = valuesOf(w);
    const shown = Object.entries(values).flatMap(([field, v]) =>
      v === undefined ? [] : [`${field} ${v.value}`],
    );
    const text = [
      `Station ${w.stationId}${args.buildingId === undefined ? '' : ` (of ${args.buildingId})`} at ${w.observedAt.toISOString()} (${Math.round(ageMs / 60_000)} min old): ${shown.join(', ') || 'no values'}.`,
      answerMetaText(meta),
    ].join('\n');
    return {
      structured: {
        stationId: w.stationId,
        ...(args.buildingId === undefined ? {} : { buildingId: args.buildingId }),
        observedAt: w.observedAt.toISOString(),
        observationAgeMs: ageMs,
        source: w.source,
        values,
        ...meta,
      },
      text,
    };
  },
});
