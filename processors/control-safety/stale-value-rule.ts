import type { ControlCommandRequested, ControlPointRegistered, DecisionReason } from '../../schemas/index.ts';
import { formatDuration, formatTime } from './format.ts';
import type { ControlSafetyPolicy } from './policy.ts';

/** Whether a gateway serves the point: only then is a fresh device value required. */
export function servedByGateway(point: ControlPointRegistered): boolean {
  return point.gatewayId !== null && point.gatewayId !== undefined && point.gatewayId.length > 0;
}

/**
 * stale_value: a point served by a gateway must have a device value (a point value read, or an
 * outcome's read-back) no older than `policy.maxValueAgeMs` before the command, in event time. Without
 * it the slew limit and the dead band would be judged against a value the device may no longer hold,
 * and a gateway that stopped reporting may be gone: fail closed. Points without a gateway are only
 * decided, never written, so they keep the value-less checks.
 */
export function staleValueReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
  observedAt: Date | null,
  policy: ControlSafetyPolicy,
): DecisionReason[] {
  if (!servedByGateway(point)) return [];
  const limit = formatDuration(policy.maxValueAgeMs);
  if (observedAt === null) {
    return [
      {
        code: 'stale_value',
        message: `Point ${point.pointId} has no value from gateway ${point.gatewayId} yet, so the command cannot be checked against what the device holds; retry once the gateway has reported the point (values may be at most ${limit} old).`,
      },
    ];
  }
  const ageMs = command.occurredAt.getTime() - observedAt.getTime();
  if (ageMs <= policy.maxValueAgeMs) return [];
  return [
    {
      code: 'stale_value',
      message: `The latest value of point ${point.pointId} was read at ${formatTime(observedAt)}, ${formatDuration(ageMs)} before the command, more than the ${limit} allowed; check gateway ${point.gatewayId} and retry once it reports the point again.`,
    },
  ];
}
