import { z } from 'zod';
import { buildingTag, type LocalDay, localDayOf, type QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMetaOutput, answerMetaText, combinedAnswerMeta, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { registeredText, registeredTextOrNull } from '../../registered-text.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { buildingIdInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const getBuildingInput = z.object({ buildingId: buildingIdInput });

export const getBuildingOutput = z.object({
  buildingId: z.string(),
  siteId: z.string().nullable(),
  primaryUse: z.string(),
  floorAreaM2: z.number().nullable(),
  timezone: z.string().describe('IANA time zone of the building, as registered.'),
  yearBuilt: z.number().int().nullable(),
  weatherStationId: z
    .string()
    .nullable()
    .describe('The station its weather comes from (get_current_weather).'),
  registeredAt: z.string().describe('Event time of the registration in force, ISO 8601.'),
  meters: z
    .array(
      z.object({
        meterId: z.string(),
        meterKind: z.string().describe('What the meter measures, e.g. electricity.'),
        unit: z.string().describe('Unit of its readings, e.g. kWh.'),
        latestValue: z.number().describe('Value of its latest reading.'),
        latestAt: z.string().describe('Event time of its latest reading, ISO 8601.'),
      }),
    )
    .describe('Meters that have reported, sorted by meter id, each with its latest reading.'),
  today: z
    .object({
      date: z.string().describe('The local date summed, YYYY-MM-DD, in timeZone.'),
      timeZone: z
        .string()
        .describe('The zone the day is taken in: the building time zone, or UTC if unknown.'),
      from: z.string().describe('First instant of the local day, ISO 8601 UTC.'),
      to: z.string().describe('First instant of the next local day (exclusive), ISO 8601 UTC.'),
      byKind: z
        .array(
          z.object({
            meterKind: z.enum(METER_KINDS),
            unit: z.enum(READING_UNITS),
            total: z.number().describe('Sum of the readings of every meter of the kind so far today.'),
            readings: z.number().int(),
            meters: z.number().int(),
          }),
        )
        .describe('Per meter kind and unit; kinds without readings today are absent.'),
    })
    .describe("Today's consumption, from the 15-minute rollups (windows the pipeline has closed)."),
  ...answerMetaOutput,
});

/** The local day of `at` in the building's zone, or in UTC when `Intl` does not know the zone. */
function todayIn(timezone: string, at: number): { day: LocalDay; timeZone: string } {
  try {
    return { day: localDayOf(timezone, at), timeZone: timezone };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { day: localDayOf('UTC', at), timeZone: 'UTC' };
  }
}

/** `get_building`: a building's registration, its meters with their latest values, and today's consumption. */
export const getBuilding = defineTool({
  name: TOOL_NAMES.getBuilding,
  title: 'A building and what it uses today',
  description:
    "Returns one building's registration (site, primary use, floor area, time zone, weather station), its meters (kind, unit) with each one's latest reading, and today's consumption per meter kind, today being the local day in the building's time zone. Use it for \"tell me about building X\".",
  input: getBuildingInput,
  output: getBuildingOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  // Its readings, rollups and registration all carry the building's tag, so any of them evicts it.
  cache: { category: 'sensors', tags: ({ buildingId }) => [buildingTag(buildingId)] },
  async handle(
    { buildingId },
    context: ToolContext<Pick<QueryLayer, 'buildingDetail' | 'consumptionTotals' | 'buildingTenant'>>,
  ) {
    const { queries, now } = context;
    await visibleBuilding(context, buildingId);
    const detail = await queries.buildingDetail(buildingId);
    const b = detail.data;
    if (b === undefined) throw unknownBuilding(buildingId);
    const { day, timeZone } = todayIn(b.timezone, now());
    const totals = await queries.consumptionTotals({
      buildingId,
      from: new Date(day.start),
      to: new Date(day.end),
    });
    const meta = combinedAnswerMeta([detail, totals], now());
    const today = {
      date: day.localDate,
      timeZone,
      from: new Date(day.start).toISOString(),
      to: new Date(day.end).toISOString(),
      byKind: totals.data.map((t) => ({
        meterKind: t.meterKind,
        unit: t.unit,
        total: t.total,
        readings: t.readings,
        meters: t.meters,
      })),
    };
    // Registration text is the producer's, not ours: capped and on one line (registered-text.ts).
    const siteId = registeredTextOrNull(b.siteId);
    const primaryUse = registeredText(b.primaryUse);
    const floorAreaM2 = b.floorAreaM2 ?? null;
    const weatherStationId = b.weatherStationId ?? null;
    const meters = b.meters.map((m) => ({
      meterId: m.meterId,
      meterKind: m.meterKind,
      unit: m.unit,
      latestValue: m.lastValue,
      latestAt: m.lastReadingAt.toISOString(),
    }));
    const lines = [
      `${b.buildingId}: ${primaryUse}${siteId === null ? '' : ` at site ${siteId}`}, ${floorAreaM2 === null ? 'floor area unknown' : `${round(floorAreaM2)} m²`}, time zone ${b.timezone}, weather station ${weatherStationId ?? 'none'}.`,
      ...meters.map((m) => `${m.meterId} (${m.meterKind}): ${m.latestValue} ${m.unit} at ${m.latestAt}`),
      today.byKind.length === 0
        ? `No consumption yet today (${today.date} in ${timeZone}).`
        : `Today (${today.date} in ${timeZone}): ${today.byKind.map((k) => `${k.meterKind} ${round(k.total)} ${k.unit}`).join(', ')}.`,
      ...(timeZone === b.timezone
        ? []
        : [`The time zone '${b.timezone}' is unknown here; today is taken in UTC.`]),
    ];
    return {
      structured: {
        buildingId: b.buildingId,
        siteId,
        primaryUse,
        floorAreaM2,
        timezone: b.timezone,
        yearBuilt: b.yearBuilt ?? null,
        weatherStationId,
        registeredAt: b.registeredAt.toISOString(),
        meters,
        today,
        ...meta,
      },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
