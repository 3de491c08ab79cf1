import type { AuthInfo } from '@modelcontextprotocol/server';
import { EaioError } from '../../infra/errors/index.ts';

export { DEFAULT_TENANT } from '../../projections/index.ts';

import { isRole, isScope, ROLE_SCOPES, type Role, type Scope } from './scopes.ts';

/** The tenant value of a principal that sees every tenant's buildings (a platform admin). */
export const ALL_TENANTS = '*';

/**
 * Who is calling: the subject of a verified token (HTTP) or the configured local principal (stdio).
 * Every tool, resource, completion and subscription is answered for one principal.
 */
export interface Principal {
  /** The token's `sub`, or the local principal's name; what the audit records. */
  readonly subject: string;
  readonly role: Role;
  /** The role's scopes, narrowed by the token's `scope` claim when it has one. */
  readonly scopes: ReadonlySet<Scope>;
  /** The tenant whose buildings it may see, or {@link ALL_TENANTS}. */
  readonly tenant: string;
}

/** What a verified token's claims become in the SDK's `AuthInfo.extra`, read back by {@link principalOf}. */
export interface PrincipalClaims {
  readonly subject: string;
  readonly role: Role;
  readonly tenant: string;
}

/** A principal of `role`, limited to `scopes` when given (a token may ask for fewer than its role grants). */
export function principal(
  subject: string,
  role: Role,
  tenant: string,
  scopes: readonly string[] = ROLE_SCOPES[role],
): Principal {
  const granted = new Set<Scope>(ROLE_SCOPES[role]);
  return {
    subject,
    role,
    tenant,
    scopes: new Set(scopes.filter((s): s is Scope => isScope(s) && granted.has(s))),
  };
}

/**
 * The principal of a request verified by the HTTP layer: its `AuthInfo` carries the scopes and, in
 * `extra`, the {@link PrincipalClaims}. Throws when they are missing, which is a wiring error (the
 * verifier always sets them), never a caller's.
 */
export function principalOf(auth: AuthInfo): Principal {
  const extra = auth.extra ?? {};
  const { subject, role, tenant } = extra as Partial<Record<keyof PrincipalClaims, unknown>>;
  if (
    typeof subject !== 'string' ||
    typeof role !== 'string' ||
    !isRole(role) ||
    typeof tenant !== 'string'
  ) {
    throw new EaioError('PRINCIPAL_MISSING', 'permanent', 'Verified request carries no principal claims', {
      context: { clientId: auth.clientId },
    });
  }
  return principal(subject, role, tenant, auth.scopes);
}

/** Whether `who` may see buildings of `tenant`. */
export function seesTenant(who: Principal, tenant: string): boolean {
  return who.tenant === ALL_TENANTS || who.tenant === tenant;
}

/** Whether `who` holds `scope`. */
export function holds(who: Principal, scope: Scope): boolean {
  return who.scopes.has(scope);
}
