import { z } from 'zod';
import { BUILDING_REGISTRY_TAG, MAX_BUILDINGS_PAGE, type QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { registeredText, registeredTextOrNull } from '../../registered-text.ts';
import { tenantField } from '../../tenancy.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { decodeBuildingCursor, encodeBuildingCursor } from './building-cursor.ts';

const DEFAULT_LIMIT = 50;

export const listBuildingsInput = z.object({
  siteId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Only buildings of this site, e.g. 'Panther' (case-insensitive)."),
  primaryUse: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Only buildings of this primary use, e.g. 'Office' or 'Education' (case-insensitive)."),
  text: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Only buildings whose id or site id contains this text (case-insensitive).'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_BUILDINGS_PAGE)
    .optional()
    .describe(`Buildings per page, 1..${MAX_BUILDINGS_PAGE}; default ${DEFAULT_LIMIT}.`),
  cursor: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe('nextCursor of the previous page, passed back unchanged; omit for the first page.'),
});

export const listBuildingsOutput = z.object({
  buildings: z
    .array(
      z.object({
        buildingId: z.string(),
        siteId: z.string().nullable(),
        primaryUse: z.string(),
        floorAreaM2: z.number().nullable(),
        timezone: z.string().describe('IANA time zone of the building.'),
        yearBuilt: z.number().int().nullable(),
        weatherStationId: z.string().nullable().describe('The station its weather comes from.'),
      }),
    )
    .describe('The page, in building-id order.'),
  nextCursor: z
    .string()
    .optional()
    .describe('Present when more buildings match: pass it as cursor for the next page.'),
  ...answerMetaOutput,
});

/** `list_buildings`: the caller's buildings, filtered and paged in building-id order. */
export const listBuildings = defineTool({
  name: TOOL_NAMES.listBuildings,
  title: 'List buildings',
  description:
    'Lists the buildings you may see (id, site, primary use, floor area, time zone, weather station), filtered by site, primary use or a text in the id or site, in pages in building-id order. Use it to find a building id before asking about a building.',
  input: listBuildingsInput,
  output: listBuildingsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  // Keyed by tenant and filters; any building's registration (new, re-registered, moved tenant) evicts it.
  cache: { category: 'buildings', tags: () => [BUILDING_REGISTRY_TAG] },
  async handle(args, { queries, now, principal }: ToolContext<Pick<QueryLayer, 'buildings'>>) {
    const answer = await queries.buildings({
      ...tenantField(principal),
      ...(args.siteId === undefined ? {} : { siteId: args.siteId }),
      ...(args.primaryUse === undefined ? {} : { primaryUse: args.primaryUse }),
      ...(args.text === undefined ? {} : { text: args.text }),
      ...(args.cursor === undefined ? {} : { afterBuildingId: decodeBuildingCursor(args.cursor) }),
      limit: args.limit ?? DEFAULT_LIMIT,
    });
    const meta = answerMeta(answer, now());
    const buildings = answer.data.buildings.map((b) => ({
      buildingId: b.buildingId,
      // Registration text is the producer's, not ours: capped and on one line (registered-text.ts).
      siteId: registeredTextOrNull(b.siteId),
      primaryUse: registeredText(b.primaryUse),
      floorAreaM2: b.floorAreaM2,
      timezone: b.timezone,
      yearBuilt: b.yearBuilt,
      weatherStationId: b.weatherStationId,
    }));
    const last = buildings.at(-1);
    const nextCursor =
      answer.data.hasMore && last !== undefined ? encodeBuildingCursor(last.buildingId) : undefined;
    const lines =
      buildings.length === 0
        ? ['No building matches.']
        : [
            `${buildings.length} building(s)${nextCursor === undefined ? '' : ', more with the cursor'}:`,
            ...buildings.map(
              (b) => `${b.buildingId} (${b.primaryUse}${b.siteId === null ? '' : `, site ${b.siteId}`})`,
            ),
          ];
    return {
      structured: { buildings, ...(nextCursor === undefined ? {} : { nextCursor }), ...meta },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
