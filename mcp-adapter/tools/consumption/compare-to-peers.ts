import { z } from 'zod';
import { buildingTag, PORTFOLIO_TAG, type QueryLayer } from '../../../projections/index.ts';
import { METER_KINDS, READING_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
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

export const compareToPeersInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput,
  to: toInput,
  meterKind: meterKindInput.optional().describe('Meter kind to compare; default electricity.'),
  unit: unitInput.optional(),
  asOf: asOfInput(true),
});

export const compareToPeersOutput = z.object({
  buildingId: z.string(),
  primaryUse: z.string().describe('Primary use; the peers are the buildings of the same one.'),
  floorAreaM2: z.number(),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  consumption: z.number().describe('Consumption over the range.'),
  daysWithData: z.number().int().describe('Days of the range with readings.'),
  eui: z
    .number()
    .describe('Energy use intensity: consumption per m² per year, annualised over the days with data.'),
  peers: z
    .object({
      count: z
        .number()
        .int()
        .describe('Peers with a floor area and data in the range, this building included.'),
      p25: z.number(),
      median: z.number(),
      p75: z.number(),
    })
    .describe("Distribution of the peers' EUI."),
  percentile: z
    .number()
    .describe('Share of peers (0..100) with a lower EUI: 90 = more intense than 90 % of them.'),
  ...answerMetaOutput,
});

/** `compare_to_peers`: a building's energy use intensity and its percentile among buildings of its primary use. */
export const compareToPeers = defineTool({
  name: TOOL_NAMES.compareToPeers,
  title: 'Energy use intensity compared with peer buildings',
  description:
    'Returns the energy use intensity (EUI, consumption per m² per year) of one building over a range and where it ranks among the buildings of the same primary use: percentile, peer count, p25, median and p75. Use it for "is building X efficient for an office".',
  input: compareToPeersInput,
  output: compareToPeersOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'energy', tags: ({ buildingId }) => [buildingTag(buildingId), PORTFOLIO_TAG] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'benchmark' | 'building' | 'buildingTenant'>>) {
    const { queries, now, principal } = context;
    await visibleBuilding(context, args.buildingId);
    // Peers are limited in SQL to the caller's tenant: it is ranked among what it sees, no one else's.
    const answer = await queries.benchmark({
      ...tenantField(principal),
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...(args.meterKind === undefined ? {} : { meterKind: args.meterKind }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      ...asOfField(args.asOf),
    });
    const b = answer.data;
    if (b === undefined) {
      if ((await queries.building(args.buildingId)) === undefined) throw unknownBuilding(args.buildingId);
      throw new ToolRefusal(
        `Building '${args.buildingId}' cannot be benchmarked from ${args.from} to ${args.to}: it has no ${args.meterKind ?? 'electricity'} readings in ${args.unit ?? 'kWh'} in that range, or no primary use or floor area. Try another range or meter kind (get_latest_readings lists its meters).`,
      );
    }
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId: b.buildingId,
      primaryUse: b.primaryUse,
      floorAreaM2: b.floorAreaM2,
      meterKind: b.meterKind,
      unit: b.unit,
      consumption: b.consumption,
      daysWithData: b.daysWithData,
      eui: b.eui,
      peers: { ...b.peers },
      percentile: b.percentile,
      ...meta,
    };
    const text = [
      `${b.buildingId} (${b.primaryUse}, ${round(b.floorAreaM2)} m²): EUI ${round(b.eui)} ${b.unit}/m²/year of ${b.meterKind} over ${b.daysWithData} day(s) with data.`,
      `Percentile ${round(b.percentile)} among ${b.peers.count} ${b.primaryUse} building(s): p25 ${round(b.peers.p25)}, median ${round(b.peers.median)}, p75 ${round(b.peers.p75)}.`,
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
