import { z } from 'zod';
import { buildingTag, type QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { buildingIdInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { linkToWriters } from '../../trace-tool-call.ts';

export const getLatestReadingsInput = z.object({
  buildingId: buildingIdInput,
  meterKind: z
    .enum(METER_KINDS)
    .optional()
    .describe(
      'Only meters of this kind (electricity, chilled_water, steam, hot_water, gas, water, irrigation, solar).',
    ),
});

const latestReading = z.object({
  meterId: z.string().describe('Meter id.'),
  meterKind: z.enum(METER_KINDS).describe('What the meter measures.'),
  value: z.number().describe('Value of the latest reading.'),
  unit: z.string().describe('Unit of value, e.g. kWh.'),
  occurredAt: z.string().describe('Event time of the reading, ISO 8601 UTC.'),
});

export const getLatestReadingsOutput = z.object({
  buildingId: z.string(),
  meterKind: z.enum(METER_KINDS).optional(),
  readings: z.array(latestReading).describe('Latest reading of each matching meter, sorted by meter id.'),
  ...answerMetaOutput,
});

/** `get_latest_readings`: the newest reading of each meter of a building, from the Redis read model. */
export const getLatestReadings = defineTool({
  name: TOOL_NAMES.getLatestReadings,
  title: 'Latest meter readings of a building',
  description:
    'Returns the most recent reading (value, unit, event time) of every meter of one building, optionally only meters of one kind. Use it to answer "what is building X using right now".',
  input: getLatestReadingsInput,
  output: getLatestReadingsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'sensors', tags: ({ buildingId }) => [buildingTag(buildingId)] },
  async handle(
    { buildingId, meterKind },
    context: ToolContext<Pick<QueryLayer, 'latestReadingsAnswer' | 'building' | 'buildingTenant'>>,
  ) {
    const { queries, now } = context;
    await visibleBuilding(context, buildingId);
    const answer = await queries.latestReadingsAnswer(buildingId, meterKind);
    const readings = answer.data;
    linkToWriters(readings);
    if (readings.length === 0 && (await queries.building(buildingId)) === undefined) {
      throw unknownBuilding(buildingId);
    }
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId,
      ...(meterKind ? { meterKind } : {}),
      readings: readings.map((r) => ({
        meterId: r.meterId,
        meterKind: r.meterKind,
        value: r.value,
        unit: r.unit,
        occurredAt: r.occurredAt.toISOString(),
      })),
      ...meta,
    };
    const text = [
      structured.readings.length === 0
        ? `Building ${buildingId} has no ${meterKind ?? ''} readings yet.`.replace('  ', ' ')
        : structured.readings
            .map((r) => `${r.meterId} (${r.meterKind}): ${r.value} ${r.unit} at ${r.occurredAt}`)
            .join('\n'),
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
