import type { QueryLayer } from '../projections/index.ts';
import type { Principal } from './access/index.ts';
import { tenantFilter } from './tenancy.ts';

/** The most building ids one completion answers (the MCP completion result caps at 100). */
export const MAX_BUILDING_COMPLETIONS = 100;

/**
 * Which tenant a building belongs to and which buildings a principal sees, for the parts of the
 * adapter that are not tools: subscriptions (gated per notification) and prompt completion.
 */
export interface BuildingDirectory {
  /** The building's tenant, or undefined for a building the read models do not know. */
  tenantOf(buildingId: string): Promise<string | undefined>;
  /** Ids starting with `prefix` of the buildings `who` sees, in id order, at most `limit`. */
  visibleBuildingIds(who: Principal, prefix: string, limit?: number): Promise<string[]>;
  /** Records a tenant the log just stated (a registration), ahead of the read model. */
  remember(buildingId: string, tenantId: string): void;
}

/**
 * A directory over the query layer. Tenants are cached for `ttlMs` (a building rarely moves between
 * tenants; a registration updates the cache through {@link BuildingDirectory.remember}), and unknown
 * buildings are not cached, so a building registered a moment ago is found. Visible ids are filtered
 * by tenant in SQL.
 */
export function createBuildingDirectory(
  queries: Pick<QueryLayer, 'buildingTenant' | 'buildingIds'>,
  { ttlMs = 30_000, now = Date.now }: { ttlMs?: number; now?: () => number } = {},
): BuildingDirectory {
  const tenants = new Map<string, { tenant: string; until: number }>();
  const remember = (buildingId: string, tenant: string) =>
    void tenants.set(buildingId, { tenant, until: now() + ttlMs });
  return {
    remember,
    async tenantOf(buildingId) {
      const cached = tenants.get(buildingId);
      if (cached !== undefined && cached.until > now()) return cached.tenant;
      const tenant = await queries.buildingTenant(buildingId);
      if (tenant === undefined) tenants.delete(buildingId);
      else remember(buildingId, tenant);
      return tenant;
    },
    async visibleBuildingIds(who, prefix, limit = MAX_BUILDING_COMPLETIONS) {
      const tenantId = tenantFilter(who);
      return queries.buildingIds({ prefix, limit, ...(tenantId === undefined ? {} : { tenantId }) });
    },
  };
}
