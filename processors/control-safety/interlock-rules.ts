import type { ControlCommandRequested, ControlPointRegistered, DecisionReason } from '../../schemas/index.ts';
import type { InterlockContext, InterlockRule, PointSelector } from './context.ts';
import { formatTime, rangePhrase, withUnit } from './format.ts';

/** Whether `selector` covers `point` (see {@link PointSelector}). */
export function selects(selector: PointSelector, point: ControlPointRegistered): boolean {
  if (selector.buildingIds !== undefined && !selector.buildingIds.includes(point.buildingId)) return false;
  if (selector.pointIds === undefined && selector.pointKinds === undefined) return true;
  return (
    (selector.pointIds?.includes(point.pointId) ?? false) ||
    (selector.pointKinds?.includes(point.pointKind) ?? false)
  );
}

function occupancyReason(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
  rule: Extract<InterlockRule, { kind: 'occupancy' }>,
  occupied: boolean | null,
  valueComparable: boolean,
): DecisionReason | null {
  // Unknown occupancy counts as occupied: a comfort band or lighting floor that lapses because a sensor
  // is silent would protect nobody.
  if (occupied === false) return null;
  const when =
    occupied === null
      ? `while building ${point.buildingId}'s occupancy is unknown (treated as occupied)`
      : `while building ${point.buildingId} is occupied`;
  if (rule.min === undefined && rule.max === undefined) {
    return {
      code: 'occupancy_interlock',
      message: `Point ${point.pointId} may not be written ${when} (interlock '${rule.label}'); retry when the building is unoccupied.`,
    };
  }
  // Bounds are in the point's unit; with another unit the value cannot be compared (unknown_point says why).
  if (!valueComparable) return null;
  const { value } = command;
  const inside =
    (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
  if (inside) return null;
  const allowed = rangePhrase(rule.min, rule.max, point.unit);
  return {
    code: 'occupancy_interlock',
    message: `Requested ${withUnit(value, point.unit)} for point ${point.pointId} is outside the ${allowed} that interlock '${rule.label}' allows ${when}; request ${allowed}, or wait until the building is unoccupied.`,
  };
}

/**
 * occupancy_interlock and schedule_interlock: one reason per engaged rule that the command breaks.
 * Schedule locks that lapsed at or before the command's event time are not engaged.
 */
export function interlockReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
  interlocks: InterlockContext,
  valueComparable: boolean,
): DecisionReason[] {
  const at = command.occurredAt.getTime();
  const reasons: DecisionReason[] = [];
  for (const rule of interlocks.rules) {
    if (!selects(rule.appliesTo, point)) continue;
    if (rule.kind === 'occupancy') {
      const reason = occupancyReason(command, point, rule, interlocks.occupied, valueComparable);
      if (reason !== null) reasons.push(reason);
      continue;
    }
    const lock = interlocks.scheduleLocks.find(
      (l) => l.lockId === rule.lockId && (l.until === null || l.until.getTime() > at),
    );
    if (lock === undefined) continue;
    const until = lock.until === null ? 'until it is released' : `until ${formatTime(lock.until)}`;
    const retry =
      lock.until === null ? 'retry after the lock is released' : `retry after ${formatTime(lock.until)}`;
    reasons.push({
      code: 'schedule_interlock',
      message: `Point ${point.pointId} is locked by schedule lock '${lock.lockId}' (interlock '${rule.label}') ${until}; ${retry}.`,
    });
  }
  return reasons;
}
