import { ALL_TENANTS, type Principal } from '../../access/index.ts';
import { ToolRefusal } from '../../define-tool.ts';

/**
 * Dead letters are the raw events of every tenant (a letter's record may be any building's): only a
 * principal that sees every tenant may read or re-drive them. Refused before anything is read.
 */
export function requireEveryTenant(principal: Principal): void {
  if (principal.tenant === ALL_TENANTS) return;
  throw new ToolRefusal(
    `Dead letters hold every tenant's events, and this token is limited to tenant '${principal.tenant}'; nothing was read. Ask for an admin token without a tenant limit.`,
  );
}
