export type { Principal, PrincipalClaims } from './principal.ts';
export { ALL_TENANTS, DEFAULT_TENANT, holds, principal, principalOf, seesTenant } from './principal.ts';
export type { Role, Scope } from './scopes.ts';
export { ALL_SCOPES, isRole, isScope, ROLE_SCOPES, ROLES, SCOPES } from './scopes.ts';
