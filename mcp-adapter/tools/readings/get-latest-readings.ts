import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS } from '../../../schemas/index.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { linkToWriters, traceToolCall } from '../../trace-tool-call.ts';

export const getLatestReadingsInput = z.object({
  buildingId: z
    .string()
    .min(1)
    .max(200)
    .describe(
      "Building id as registered, e.g. 'Office_Cristina'. List them via the eaio://buildings/{id} resources.",
    ),
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
});

/** `get_latest_readings`: the newest reading of each meter of a building, from the Redis read model. */
export function registerGetLatestReadings(
  server: McpServer,
  queries: Pick<QueryLayer, 'latestReadings' | 'building'>,
): void {
  server.registerTool(
    TOOL_NAMES.getLatestReadings,
    {
      title: 'Latest meter readings of a building',
      description:
        'Returns the most recent reading (value, unit, event time) of every meter of one building, optionally only meters of one kind. Use it to answer "what is building X using right now".',
      inputSchema: getLatestReadingsInput,
      outputSchema: getLatestReadingsOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ buildingId, meterKind }) =>
      traceToolCall(TOOL_NAMES.getLatestReadings, async () => {
        const readings = await queries.latestReadings(buildingId, meterKind);
        linkToWriters(readings);
        if (readings.length === 0 && (await queries.building(buildingId)) === undefined) {
          return {
            isError: true,
            content: [
              {
                type: 'text',
                text: `No building '${buildingId}' is known. Building ids are case-sensitive, e.g. 'Office_Cristina'; list the eaio://buildings/{id} resources to see them.`,
              },
            ],
          };
        }
        const output = {
          buildingId,
          ...(meterKind ? { meterKind } : {}),
          readings: readings.map((r) => ({
            meterId: r.meterId,
            meterKind: r.meterKind,
            value: r.value,
            unit: r.unit,
            occurredAt: r.occurredAt.toISOString(),
          })),
        };
        const summary =
          output.readings.length === 0
            ? `Building ${buildingId} has no ${meterKind ?? ''} readings yet.`.replace('  ', ' ')
            : output.readings
                .map((r) => `${r.meterId} (${r.meterKind}): ${r.value} ${r.unit} at ${r.occurredAt}`)
                .join('\n');
        return { content: [{ type: 'text', text: summary }], structuredContent: output };
      }),
  );
}
