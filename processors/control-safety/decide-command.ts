import type { ControlCommandRequested, ControlDecision, DecisionReason } from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { expiryReasons, priorityReasons } from './command-rules.ts';
import type { DecisionContext } from './context.ts';
import { interlockReasons } from './interlock-rules.ts';
import { deadbandReasons, pointIdentityReasons, rangeReasons, slewReasons } from './point-rules.ts';
import { type ControlSafetyPolicy, DEFAULT_CONTROL_SAFETY_POLICY } from './policy.ts';

/** `source` of every decision this processor emits. */
export const CONTROL_SAFETY_SOURCE = 'eaio.processors.control-safety';

/**
 * Accepts or rejects a requested command. Pure: the result depends only on the arguments (event time
 * comes from the command, state from `context`), so replaying the log reproduces every decision,
 * eventId included.
 *
 * Every failing rule adds a reason, in this order: unknown_point; below_min / above_max; slew_limit;
 * setpoint_deadband; occupancy_interlock / schedule_interlock; expiry_in_past / expiry_missing;
 * priority_conflict. Rules that need something the command lacks are skipped rather than guessed: with
 * no valid registration in the command's building only expiry and priority are checked, and with the
 * wrong unit the value checks (limits, slew, deadband, occupancy bands) are skipped. The command is
 * accepted exactly when there is no reason.
 */
export function decideCommand(
  command: ControlCommandRequested,
  context: DecisionContext,
  policy: ControlSafetyPolicy = DEFAULT_CONTROL_SAFETY_POLICY,
): ControlDecision {
  const identity = pointIdentityReasons(command, context.point);
  const known =
    context.point !== null && context.point.buildingId === command.buildingId ? context.point : null;
  const comparable = known !== null && known.unit === command.unit ? known : null;
  const reasons: readonly DecisionReason[] = [
    ...identity,
    ...(comparable === null ? [] : rangeReasons(command, comparable)),
    ...(comparable === null ? [] : slewReasons(command, comparable, context.current)),
    ...(comparable === null ? [] : deadbandReasons(command, comparable, context.pairedSetpoint, policy)),
    ...(known === null ? [] : interlockReasons(command, known, context.interlocks, comparable !== null)),
    ...expiryReasons(command, policy),
    ...priorityReasons(command, context.activeCommands, policy),
  ];
  return {
    eventId: derivedEventId('control-decision', command.commandId),
    occurredAt: command.occurredAt,
    source: CONTROL_SAFETY_SOURCE,
    commandId: command.commandId,
    buildingId: command.buildingId,
    pointId: command.pointId,
    decision: reasons.length === 0 ? 'accepted' : 'rejected',
    reasons,
    // The decision continues the request's trace.
    traceContext: command.traceContext ?? null,
  };
}
