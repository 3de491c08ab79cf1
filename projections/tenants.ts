/**
 * The tenant of buildings registered without one. Read models store it explicitly, so a tenant
 * filter is one equality and an agent of the default tenant sees exactly the unassigned buildings.
 */
export const DEFAULT_TENANT = 'default';
