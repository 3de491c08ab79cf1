import type { QueryLayer } from '../projections/index.ts';
import { ALL_TENANTS, type Principal, seesTenant } from './access/index.ts';
import type { ToolContext } from './define-tool.ts';
import { unknownBuilding } from './tool-errors.ts';

/**
 * The tenant a principal's reads are filtered to, as the query layer takes it: undefined for a
 * principal that sees every tenant ({@link ALL_TENANTS}), so its statements carry no filter.
 */
export function tenantFilter(who: Principal): string | undefined {
  return who.tenant === ALL_TENANTS ? undefined : who.tenant;
}

/** The filter as a spreadable field, for queries that take an optional `tenantId`. */
export function tenantField(who: Principal): { tenantId?: string } {
  const tenantId = tenantFilter(who);
  return tenantId === undefined ? {} : { tenantId };
}

/**
 * Whether `who` may see building `buildingId`: false for an unknown building and for another
 * tenant's alike, so a caller cannot tell them apart. A principal of every tenant is not checked (its
 * tools find out an id is unknown from their own empty answer, as before tenants).
 */
export async function seesBuilding(
  queries: Pick<QueryLayer, 'buildingTenant'>,
  who: Principal,
  buildingId: string,
): Promise<boolean> {
  if (who.tenant === ALL_TENANTS) return true;
  const tenant = await queries.buildingTenant(buildingId);
  return tenant !== undefined && seesTenant(who, tenant);
}

/**
 * The one tenant check of a tool that takes a building id: one indexed read of the building's tenant
 * per call, before anything else is read. Throws the same `unknownBuilding` refusal for an unknown
 * building and for another tenant's, so ids cannot be probed.
 */
export async function visibleBuilding(
  { queries, principal }: Pick<ToolContext<Pick<QueryLayer, 'buildingTenant'>>, 'queries' | 'principal'>,
  buildingId: string,
): Promise<void> {
  if (!(await seesBuilding(queries, principal, buildingId))) throw unknownBuilding(buildingId);
}
