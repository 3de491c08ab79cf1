import type { QueryLayer } from '../projections/index.ts';
import { ALL_TENANTS, type Principal, seesTenant } from './access/index.ts';

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
 * A directory over the query layer's lookups. Tenants are cached for `ttlMs` (a building rarely
 * moves between tenants; a registration updates the cache through {@link BuildingDirectory.remember}),
 * and unknown buildings are not cached, so a building registered a moment ago is found.
 */
export function createBuildingDirectory(
  queries: Pick<QueryLayer, 'building' | 'buildingIds'>,
  { ttlMs = 30_000, now = Date.now }: { ttlMs?: number; now?: () => number } = {},
): BuildingDirectory {
  const tenants = new Map<string, { tenant: string; until: number }>();
  const remember = (buildingId: string, tenant: string) =>
    void tenants.set(buildingId, { tenant, until: now() + ttlMs });
  async function tenantOf(buildingId: string): Promise<string | undefined> {
    const cached = tenants.get(buildingId);
    if (cached !== undefined && cached.until > now()) return cached.tenant;
    const building = await queries.building(buildingId);
    if (building === undefined) {
      tenants.delete(buildingId);
      return undefined;
    }
    remember(buildingId, building.tenantId);
    return building.tenantId;
  }
  return {
    tenantOf,
    remember,
    async visibleBuildingIds(who, prefix, limit = MAX_BUILDING_COMPLETIONS) {
      const candidates = (await queries.buildingIds()).filter((id) => id.startsWith(prefix));
      if (who.tenant === ALL_TENANTS) return candidates.slice(0, limit);
      // One cached tenant lookup per candidate: the lookups answer ids, not tenants, yet.
      const visible: string[] = [];
      for (const id of candidates) {
        const tenant = await tenantOf(id);
        if (tenant !== undefined && seesTenant(who, tenant)) visible.push(id);
        if (visible.length >= limit) break;
      }
      return visible;
    },
  };
}
