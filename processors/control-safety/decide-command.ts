import type { ControlCommandRequested, ControlDecision, DecisionReason } from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { expiryReasons, priorityReasons } from './command-rules.ts';
import type { DecisionContext } from './context.ts';
import { interlockReasons } from './interlock-rules.ts';
import {
  deadbandReasons,
  onOffReasons,
  pointIdentityReasons,
  rangeReasons,
  slewReasons,
} from './point-rules.ts';
import { type ControlSafetyPolicy, DEFAULT_CONTROL_SAFETY_POLICY } from './policy.ts';
import { timingReasons } from './schedule-rules.ts';
import { staleValueReasons } from './stale-value-rule.ts';

/** `source` of every decision this processor emits. */
export const CONTROL_SAFETY_SOURCE = 'eaio.processors.control-safety';

/**
 * Accepts or rejects a requested command. Pure: the result depends only on the arguments (event time
 * comes from the command, state from `context`), so replaying the log reproduces every decision,
 * eventId included.
 *
 * Every failing rule adds a reason, in this order: unknown_point; below_min / above_max (limits, then
 * an on/off light's 0 or 1); slew_limit; setpoint_deadband; stale_value; occupancy_interlock /
 * schedule_interlock; expiry_in_past / expiry_missing; priority_conflict; schedule_invalid (window and
 * heartbeat). Rules that need something the command lacks are skipped rather than guessed: with no
 * valid registration in the command's building only expiry, priority and timing are checked, and with
 * the wrong unit the value checks (limits, slew, deadband, occupancy bands) are skipped. stale_value
 * is judged for every registered point with a gateway, whatever the command's unit. The command is
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
    ...(comparable === null ? [] : onOffReasons(command, comparable)),
    ...(comparable === null ? [] : slewReasons(command, comparable, context.current)),
    ...(comparable === null ? [] : deadbandReasons(command, comparable, context.pairedSetpoint, policy)),
    ...(known === null ? [] : staleValueReasons(command, known, context.observedAt ?? null, policy)),
    ...(known === null ? [] : interlockReasons(command, known, context.interlocks, comparable !== null)),
    ...expiryReasons(command, policy),
    ...priorityReasons(command, context.activeCommands, policy),
    ...timingReasons(command),
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
