import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import type { QueryLayer } from '../../../projections/index.ts';

export const BUILDING_URI_TEMPLATE = 'eaio://buildings/{id}';

/** `eaio://buildings/{id}`: a building's description and its meters, from the Postgres read models. */
export function registerBuildingResource(
  server: McpServer,
  queries: Pick<QueryLayer, 'building' | 'buildingIds'>,
): void {
  server.registerResource(
    'building',
    new ResourceTemplate(BUILDING_URI_TEMPLATE, {
      list: async () => ({
        resources: (await queries.buildingIds()).map((id) => ({
          uri: `eaio://buildings/${encodeURIComponent(id)}`,
          name: id,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        id: async (prefix) =>
          (await queries.buildingIds()).filter((id) => id.startsWith(prefix)).slice(0, 100),
      },
    }),
    {
      title: 'Building',
      description:
        'A building: primary use, floor area, time zone, weather station, and its meters with their latest readings.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const raw = variables.id;
      const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
      const building = await queries.building(id);
      if (building === undefined) {
        throw new Error(
          `No building '${id}' is known; list the eaio://buildings/{id} resources to see the ids.`,
        );
      }
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(building, null, 2) }],
      };
    },
  );
}
