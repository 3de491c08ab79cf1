import type { JWTPayload } from 'jose';
import {
  ALL_TENANTS,
  isRole,
  type PrincipalClaims,
  ROLE_SCOPES,
  ROLES,
  type Scope,
} from '../access/index.ts';
import { tokenInvalid } from './token-invalid.ts';

/** What a verified token grants: who it is and the scopes it may use. */
export interface TokenGrant {
  readonly claims: PrincipalClaims;
  /** The role's scopes, narrowed by the token's `scope` claim when it has one. */
  readonly scopes: readonly Scope[];
}

/**
 * Reads the principal out of a verified token's payload: `sub`, `role` (one of ROLES), `tenant`
 * (required unless the role is admin, where its absence means every tenant; `*` only for an admin),
 * and an optional space-separated `scope` that narrows what the role grants. Throws `TOKEN_INVALID`.
 */
export function grantOf(payload: JWTPayload): TokenGrant {
  const { sub, role, tenant, scope } = payload as JWTPayload & Record<'role' | 'tenant' | 'scope', unknown>;
  if (typeof sub !== 'string' || sub.length === 0) throw tokenInvalid('the `sub` claim is missing');
  if (typeof role !== 'string' || !isRole(role))
    throw tokenInvalid(`the \`role\` claim must be one of ${ROLES.join(', ')}`);
  let tenantOf: string;
  if (tenant === undefined || tenant === null) {
    if (role !== 'admin') throw tokenInvalid(`a ${role} token must carry a \`tenant\` claim`);
    tenantOf = ALL_TENANTS;
  } else if (typeof tenant !== 'string' || tenant.length === 0) {
    throw tokenInvalid('the `tenant` claim must be a non-empty string');
  } else if (tenant === ALL_TENANTS && role !== 'admin') {
    throw tokenInvalid(`only an admin token may name every tenant ('${ALL_TENANTS}')`);
  } else {
    tenantOf = tenant;
  }
  const granted = ROLE_SCOPES[role];
  let scopes: readonly Scope[] = granted;
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw tokenInvalid('the `scope` claim must be a space-separated string');
    const asked = new Set(scope.split(' ').filter((s) => s.length > 0));
    scopes = granted.filter((s) => asked.has(s));
  }
  return { claims: { subject: sub, role, tenant: tenantOf }, scopes };
}
