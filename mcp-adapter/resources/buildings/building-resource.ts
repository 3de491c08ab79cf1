import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import type { ReadModels } from '../../read-models.ts';

export const BUILDING_URI_TEMPLATE = 'eaio://buildings/{id}';

/** `eaio://buildings/{id}`: a building's description and its meters, from the Postgres read models. */
export function registerBuildingResource(server: McpServer, readModels: ReadModels): void {
  server.registerResource(
    'building',
    new ResourceTemplate(BUILDING_URI_TEMPLATE, {
      list: async () => ({
        resources: (await readModels.buildingIds()).map((id) => ({
          uri: `eaio://buildings/${encodeURIComponent(id)}`,
          name: id,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        id: async (prefix) =>
          (await readModels.buildingIds()).filter((id) => id.startsWith(prefix)).slice(0, 100),
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
      const building = await readModels.building(id);
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
