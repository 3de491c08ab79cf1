import type { ControlCommandRequested, DecisionReason } from '../../schemas/index.ts';
import type { ActiveCommand } from './context.ts';
import { formatDuration, formatTime } from './format.ts';
import {
  allowedPriorities,
  BACNET_PRIORITY_NAMES,
  type ControlSafetyPolicy,
  principalKind,
} from './policy.ts';

/**
 * expiry_in_past when expiresAt is not after occurredAt; expiry_missing when expiresAt is not a valid
 * time or lies more than `policy.maxCommandDurationMs` after occurredAt. A far-off expiry is reported as
 * missing because it is one in name only: the schema's promise is that nothing an agent writes stays,
 * and an expiry a year away breaks that promise as surely as none at all.
 */
export function expiryReasons(
  command: ControlCommandRequested,
  policy: ControlSafetyPolicy,
): DecisionReason[] {
  const requestedAt = command.occurredAt.getTime();
  const expiresAt = command.expiresAt.getTime();
  const latest = new Date(requestedAt + policy.maxCommandDurationMs);
  const window = `after ${formatTime(command.occurredAt)} and no later than ${formatTime(latest)}`;
  if (Number.isNaN(expiresAt)) {
    return [{ code: 'expiry_missing', message: `expiresAt is not a valid time; set expiresAt ${window}.` }];
  }
  if (!(expiresAt > requestedAt)) {
    return [
      {
        code: 'expiry_in_past',
        message: `Expiry ${formatTime(command.expiresAt)} is not after the request time ${formatTime(command.occurredAt)}; set expiresAt ${window}.`,
      },
    ];
  }
  if (expiresAt > latest.getTime()) {
    return [
      {
        code: 'expiry_missing',
        message: `Expiry ${formatTime(command.expiresAt)} is ${formatDuration(expiresAt - requestedAt)} after the request, more than the maximum ${formatDuration(policy.maxCommandDurationMs)}; set expiresAt no later than ${formatTime(latest)} and renew the command if it must last longer.`,
      },
    ];
  }
  return [];
}

// Code-unit order, not localeCompare: the order of reasons must not depend on the host's locale.
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * priority_conflict, for two reasons: the priority is not one the requester may write (see
 * DEFAULT_CONTROL_SAFETY_POLICY), or someone else's active command holds the point at the same or a
 * higher priority (a lower or equal number), so this command would be overridden or would overwrite
 * their slot. One reason per such holder; a requester's own earlier commands never conflict. Commands
 * that expired at or before the command's event time no longer hold anything.
 */
export function priorityReasons(
  command: ControlCommandRequested,
  activeCommands: readonly ActiveCommand[],
  policy: ControlSafetyPolicy,
): DecisionReason[] {
  const { priority, requestedBy } = command;
  const range = allowedPriorities(requestedBy, policy);
  const allowed = `a priority from ${range.highest} to ${range.lowest}`;
  const reasons: DecisionReason[] = [];
  if (!Number.isInteger(priority) || priority < 1 || priority > 16) {
    reasons.push({
      code: 'priority_conflict',
      message: `Priority ${priority} is not a BACnet priority (an integer from 1 to 16); request ${allowed}.`,
    });
  } else if (priority < range.highest || priority > range.lowest) {
    const name = BACNET_PRIORITY_NAMES[priority];
    const named = name === undefined ? `Priority ${priority}` : `Priority ${priority} (${name})`;
    reasons.push({
      code: 'priority_conflict',
      message: `${named} is reserved: ${principalKind(requestedBy, policy)}s may write priorities ${range.highest} to ${range.lowest}; request ${allowed}.`,
    });
  }

  const at = command.occurredAt.getTime();
  const holders = activeCommands
    .filter((a) => a.requestedBy !== requestedBy && a.expiresAt.getTime() > at && a.priority <= priority)
    .sort((a, b) => a.priority - b.priority || compareIds(a.commandId, b.commandId));
  if (holders.length === 0) return reasons;
  // Every message gives the same way out, so an agent acting on any one of them is not blocked by another.
  // It never suggests a higher priority: telling agents to outrank each other would teach them all to
  // write at the top of their range, and priorities would stop meaning anything.
  const freeAt = new Date(Math.max(...holders.map((h) => h.expiresAt.getTime())));
  for (const holder of holders) {
    const relation =
      holder.priority === priority
        ? `the same slot your priority ${priority} would overwrite`
        : `which your priority ${priority} cannot override`;
    reasons.push({
      code: 'priority_conflict',
      message: `Point ${command.pointId} is held at priority ${holder.priority} by ${holder.requestedBy} until ${formatTime(holder.expiresAt)} (command ${holder.commandId}), ${relation}; retry after ${formatTime(freeAt)}.`,
    });
  }
  return reasons;
}
