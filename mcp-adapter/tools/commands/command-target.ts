import { EaioError } from '../../../infra/errors/index.ts';
import type { CommandStatusView, QueryLayer } from '../../../projections/index.ts';
import type { ToolContext } from '../../define-tool.ts';
import { seesBuilding } from '../../tenancy.ts';
import { unknownCommand } from '../../tool-errors.ts';

/**
 * The command an action is about, read from the read model: unknown (or of a building the caller may
 * not see) answers as a command never projected. A stale answer (PostgreSQL unreachable, the last good
 * one served) is refused rather than acted on: who proposed it and whether it ended may have changed.
 */
export async function commandForAction(
  commandId: string,
  {
    queries,
    principal,
  }: Pick<ToolContext<Pick<QueryLayer, 'commandStatus' | 'buildingTenant'>>, 'queries' | 'principal'>,
): Promise<CommandStatusView> {
  const answer = await queries.commandStatus(commandId);
  const c = answer.data;
  if (c === undefined || !(await seesBuilding(queries, principal, c.buildingId)))
    throw unknownCommand(commandId);
  if (answer.stale === true) {
    throw new EaioError(
      'DEPENDENCY_UNAVAILABLE',
      'transient',
      `the control-commands read model cannot be read now, and an action is never taken on a stale view of its command (nothing was sent)`,
      { context: { dependency: 'postgres', retryInMs: 5000 } },
    );
  }
  return c;
}
