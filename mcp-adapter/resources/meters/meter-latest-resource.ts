import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import type { QueryLayer } from '../../../projections/index.ts';
import { answerMeta } from '../../answer-json.ts';
import { seesBuilding, tenantField } from '../../tenancy.ts';
import { type ResourceContext, variable } from '../buildings/index.ts';

export const METER_LATEST_URI_TEMPLATE = 'eaio://meters/{id}/latest';

/**
 * `eaio://meters/{id}/latest`: a meter's latest reading with its provenance. Id completion offers
 * only the caller's meters; a meter of another tenant's building reads as not found, like an unknown one.
 */
export function registerMeterLatestResource(
  server: McpServer,
  { queries, principal }: ResourceContext<Pick<QueryLayer, 'meterLatest' | 'meterIds' | 'buildingTenant'>>,
  now: () => number,
): void {
  server.registerResource(
    'meter-latest',
    new ResourceTemplate(METER_LATEST_URI_TEMPLATE, {
      // Thousands of meters: found by completion (or a building's meters), not listed.
      list: undefined,
      complete: { id: (prefix) => queries.meterIds({ prefix, ...tenantField(principal) }) },
    }),
    {
      title: "Meter's latest reading",
      description:
        'The latest reading of one meter (value, unit, event time, its building) with the read model and offsets it reflects.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const id = variable(variables.id);
      const answer = await queries.meterLatest(id);
      const r = answer.data;
      if (r === undefined || !(await seesBuilding(queries, principal, r.buildingId))) {
        throw new ResourceNotFoundError(
          uri.href,
          `No meter '${id}' has reported; get_building lists a building's meters.`,
        );
      }
      const body = {
        meterId: r.meterId,
        buildingId: r.buildingId,
        meterKind: r.meterKind,
        unit: r.unit,
        value: r.value,
        occurredAt: r.occurredAt.toISOString(),
        eventId: r.eventId,
        ...answerMeta(answer, now()),
      };
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }],
      };
    },
  );
}
