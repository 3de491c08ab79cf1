import { EaioError } from '../../infra/errors/index.ts';
import type { CommandAction } from '../../schemas/index.ts';

/** Why an action on a command was refused before anything was sent. */
export const CONTROL_ACTION_REFUSALS = [
  'request_unknown',
  'already_ended',
  'not_approver',
  'self_approval',
  'approval_not_needed',
  'already_decided',
  'not_proposer',
  'no_heartbeat',
] as const;
export type ControlActionRefusal = (typeof CONTROL_ACTION_REFUSALS)[number];

/** An action refused with a sentence that says what to do instead; nothing was sent. */
export class ControlActionRefusedError extends EaioError {
  override readonly name = 'ControlActionRefusedError';
  readonly refusal: ControlActionRefusal;

  constructor(refusal: ControlActionRefusal, message: string, context: Readonly<Record<string, unknown>>) {
    super('CONTROL_ACTION_REFUSED', 'permanent', message, { context: { ...context, refusal } });
    this.refusal = refusal;
  }
}

/** What deciding on an action needs to know of its command, as the read model has it. */
export interface CommandForAction {
  readonly commandId: string;
  /** Who proposed it; null while its request is not projected yet. */
  readonly requestedBy: string | null;
  /** Its current status, for the sentences. */
  readonly status: string;
  /** True once nothing more can happen to it (rejected, expired, refused, failed or relinquished for good). */
  readonly ended: boolean;
  /** Whether its point needs a second principal's approval; null when the point is not known. */
  readonly requiresApproval: boolean | null;
  /** True once an approver approved or refused it. */
  readonly approvalDecided: boolean;
  readonly heartbeatSeconds: number | null;
}

/** Who acts, and whether they hold the approver's right (scope control:approve, or the CLI's host user). */
export interface CommandActor {
  readonly principal: string;
  readonly mayApprove: boolean;
}

/**
 * Checks that `actor` may take `action` on `command`, throwing a {@link ControlActionRefusedError}
 * that names the rule otherwise: approve and refuse need the approver's right, a principal other than
 * the proposer, a point that requires approval and no earlier decision; cancel is the proposer's or an
 * approver's; heartbeat is the proposer's, for a command that promised heartbeats; nothing acts on an
 * ended command. The gateway applies the same rules to the log, so this is the early, clear answer,
 * not the only guard.
 */
export function authoriseControlAction(
  action: CommandAction,
  actor: CommandActor,
  command: CommandForAction,
): void {
  const id = command.commandId;
  const refuse = (refusal: ControlActionRefusal, message: string): never => {
    throw new ControlActionRefusedError(refusal, message, { commandId: id, action, actor: actor.principal });
  };
  if (command.requestedBy === null) {
    refuse(
      'request_unknown',
      `The request of command '${id}' is not projected yet, so its proposer cannot be checked; retry in a few seconds`,
    );
  }
  if (command.ended) {
    refuse(
      'already_ended',
      `Command '${id}' has already ended (${command.status}); there is nothing to ${action}`,
    );
  }
  const proposer = command.requestedBy as string;
  switch (action) {
    case 'approve':
    case 'refuse':
      if (!actor.mayApprove) {
        refuse(
          'not_approver',
          `Only an approver (scope control:approve) may ${action} a command; ask a principal with the approver role`,
        );
      }
      if (actor.principal === proposer) {
        refuse(
          'self_approval',
          `${actor.principal} proposed command '${id}' and cannot ${action} it: approval needs a second principal with the approver role`,
        );
      }
      if (command.requiresApproval === false) {
        refuse(
          'approval_not_needed',
          `Command '${id}' needs no approval: its point does not require one, so it goes to the device once accepted`,
        );
      }
      if (command.approvalDecided) {
        refuse(
          'already_decided',
          `Command '${id}' was already ${command.status}; an approval decision is final`,
        );
      }
      return;
    case 'cancel':
      if (actor.principal !== proposer && !actor.mayApprove) {
        refuse(
          'not_proposer',
          `Only the proposer (${proposer}) or an approver may cancel command '${id}'; ${actor.principal} is neither`,
        );
      }
      return;
    case 'heartbeat':
      if (actor.principal !== proposer) {
        refuse(
          'not_proposer',
          `Only the proposer (${proposer}) sends heartbeats for command '${id}'; ${actor.principal} did not propose it`,
        );
      }
      if (command.heartbeatSeconds === null) {
        refuse(
          'no_heartbeat',
          `Command '${id}' promised no heartbeat (heartbeatSeconds was not set), so none is needed; it holds until it expires`,
        );
      }
      return;
  }
}
