import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import { type BuildingListing, MAX_BUILDINGS_PAGE, type QueryLayer } from '../../../projections/index.ts';
import { seesTenant } from '../../access/index.ts';
import type { ToolContext } from '../../define-tool.ts';
import { tenantField } from '../../tenancy.ts';

export const BUILDING_URI_TEMPLATE = 'eaio://buildings/{id}';
export const BUILDINGS_URI = 'eaio://buildings';

/** At most this many buildings in `eaio://buildings` (BDG2 has 1,636); list_buildings pages past it. */
const MAX_LISTED = 5_000;

/** What resources read through and for whom: the tools' context, built once per request. */
export type ResourceContext<Q> = Pick<ToolContext<Q>, 'queries' | 'principal'>;

/** The value of a template variable, decoded. */
export function variable(raw: string | string[] | undefined): string {
  return decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
}

/** Every building the caller sees, page after page, up to {@link MAX_LISTED}. */
async function visibleBuildings({
  queries,
  principal,
}: ResourceContext<Pick<QueryLayer, 'buildings'>>): Promise<BuildingListing[]> {
  const all: BuildingListing[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await queries.buildings({
      ...tenantField(principal),
      ...(after === undefined ? {} : { afterBuildingId: after }),
      limit: MAX_BUILDINGS_PAGE,
    });
    all.push(...page.data.buildings);
    after = page.data.buildings.at(-1)?.buildingId;
    if (!page.data.hasMore || after === undefined || all.length >= MAX_LISTED) return all;
  }
}

/**
 * `eaio://buildings/{id}` (a building's description and its meters, from the Postgres read models)
 * and `eaio://buildings` (the caller's buildings). Listing, completion and reads are limited to the
 * caller's tenant; another tenant's building reads as not found, exactly like an unknown one.
 */
export function registerBuildingResources(
  server: McpServer,
  context: ResourceContext<Pick<QueryLayer, 'building' | 'buildingIds' | 'buildings'>>,
): void {
  const { queries, principal } = context;
  server.registerResource(
    'buildings',
    BUILDINGS_URI,
    {
      title: 'Buildings',
      description:
        'The buildings you may see, as JSON: id, site, primary use, floor area, time zone and weather station of each, in id order.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const buildings = (await visibleBuildings(context)).map((b) => ({
        ...b,
        registeredAt: b.registeredAt.toISOString(),
      }));
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(buildings, null, 2) }],
      };
    },
  );
  server.registerResource(
    'building',
    new ResourceTemplate(BUILDING_URI_TEMPLATE, {
      list: async () => ({
        resources: (await queries.buildingIds(tenantField(principal))).map((id) => ({
          uri: `eaio://buildings/${encodeURIComponent(id)}`,
          name: id,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        id: (prefix) => queries.buildingIds({ ...tenantField(principal), prefix, limit: 100 }),
      },
    }),
    {
      title: 'Building',
      description:
        'A building: primary use, floor area, time zone, weather station, and its meters with their latest readings.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const id = variable(variables.id);
      const building = await queries.building(id);
      // Another tenant's building is answered exactly as an unknown one.
      if (building === undefined || !seesTenant(principal, building.tenantId)) {
        throw new ResourceNotFoundError(
          uri.href,
          `No building '${id}' is known; list the eaio://buildings/{id} resources to see the ids.`,
        );
      }
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(building, null, 2) }],
      };
    },
  );
}
