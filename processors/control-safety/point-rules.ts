import type { ControlCommandRequested, ControlPointRegistered, DecisionReason } from '../../schemas/index.ts';
import type { CurrentValue, PairedSetpoint } from './context.ts';
import {
  formatApprox,
  formatDuration,
  formatNumber,
  formatTime,
  suggestedBound,
  withUnit,
} from './format.ts';
import type { ControlSafetyPolicy } from './policy.ts';

/**
 * Slack for checks on derived quantities (a rate times elapsed minutes, a difference of two setpoints):
 * far below any device's resolution, large enough that binary rounding (0.1 * 3 vs 0.3) never rejects a
 * command exactly at the limit. The registered min and max are compared exactly.
 */
export const COMPARISON_TOLERANCE = 1e-9;

/**
 * unknown_point: no registration, a registration in another building, or a unit other than the point's.
 *
 * A unit mismatch is reported as unknown_point because no point with that id takes that unit: the
 * command addresses something that does not exist, and no other code fits (the limit codes would claim
 * a comparison that was never made). A dedicated code needs a schema change (see the report).
 */
export function pointIdentityReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered | null,
): DecisionReason[] {
  if (point === null) {
    return [
      {
        code: 'unknown_point',
        message: `Point ${command.pointId} is not a registered control point; request one of the points registered for building ${command.buildingId}.`,
      },
    ];
  }
  if (point.buildingId !== command.buildingId) {
    return [
      {
        code: 'unknown_point',
        message: `Point ${command.pointId} belongs to building ${point.buildingId}, not ${command.buildingId}; send the command with buildingId ${point.buildingId} or pick a point of ${command.buildingId}.`,
      },
    ];
  }
  if (point.unit !== command.unit) {
    return [
      {
        code: 'unknown_point',
        message: `Point ${command.pointId} takes ${point.unit}, not ${command.unit}; resend the value in ${point.unit}, from ${formatNumber(point.minValue)} to ${withUnit(point.maxValue, point.unit)}.`,
      },
    ];
  }
  return [];
}

/** below_min / above_max against the registered limits; a value that is not a number fails as below_min. */
export function rangeReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
): DecisionReason[] {
  const { value } = command;
  const { minValue, maxValue, unit, pointId } = point;
  if (Number.isNaN(value)) {
    return [
      {
        code: 'below_min',
        message: `Requested value NaN for point ${pointId} is not a number; request a value from ${formatNumber(minValue)} to ${withUnit(maxValue, unit)}.`,
      },
    ];
  }
  if (value < minValue) {
    return [
      {
        code: 'below_min',
        message: `Requested ${withUnit(value, unit)} is below the minimum ${withUnit(minValue, unit)} for point ${pointId}; request ${withUnit(minValue, unit)} or more.`,
      },
    ];
  }
  if (value > maxValue) {
    return [
      {
        code: 'above_max',
        message: `Requested ${withUnit(value, unit)} is above the maximum ${withUnit(maxValue, unit)} for point ${pointId}; request ${withUnit(maxValue, unit)} or less.`,
      },
    ];
  }
  return [];
}

/**
 * slew_limit: the change from the current value may not exceed maxChangePerMinute times the minutes
 * between the current value's event time and the command's. A command at or before the current value's
 * time may not change it at all. Not checked when the point has no slew limit or no current value is known.
 */
export function slewReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
  current: CurrentValue | null,
): DecisionReason[] {
  const rate = point.maxChangePerMinute;
  if (rate === null || rate === undefined || current === null || !Number.isFinite(command.value)) return [];
  const elapsedMs = command.occurredAt.getTime() - current.at.getTime();
  const allowed = rate * Math.max(0, elapsedMs / 60_000);
  const within = (v: number): boolean => Math.abs(v - current.value) <= allowed + COMPARISON_TOLERANCE;
  const change = Math.abs(command.value - current.value);
  if (within(command.value)) return [];

  const { unit, pointId, minValue, maxValue } = point;
  const accepts = (v: number): boolean => within(v) && v >= minValue && v <= maxValue;
  const low = suggestedBound(Math.max(minValue, current.value - allowed), 'lower', accepts);
  const high = suggestedBound(Math.min(maxValue, current.value + allowed), 'upper', accepts);
  const now =
    low < high
      ? `request from ${formatNumber(low)} to ${withUnit(high, unit)} now`
      : low === high
        ? `request ${withUnit(low, unit)} now`
        : '';
  // A zero slew limit freezes the point: there is no later time at which the change becomes allowed.
  const later =
    rate > 0
      ? `request ${withUnit(command.value, unit)} at or after ${formatTime(new Date(current.at.getTime() + (change / rate) * 60_000))}`
      : '';
  const advice = [now, later].filter((part) => part !== '').join(', or ') || 'keep the current value';
  return [
    {
      code: 'slew_limit',
      message:
        `Requested ${withUnit(command.value, unit)} is ${formatApprox(change)} ${unit} from the current ${withUnit(current.value, unit)} ` +
        `set ${formatDuration(Math.max(0, elapsedMs))} earlier, more than the ${withUnit(rate, unit)}/min slew limit of point ${pointId} allows ` +
        `(${formatApprox(allowed)} ${unit}); ${advice}.`,
    },
  ];
}

/**
 * setpoint_deadband: a zone's heating setpoint must stay at least `policy.setpointDeadband` below its
 * cooling setpoint, whether the command raises heating or lowers cooling. Not checked when the point is
 * neither, or the paired setpoint's value is unknown.
 */
export function deadbandReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
  paired: PairedSetpoint | null,
  policy: ControlSafetyPolicy,
): DecisionReason[] {
  if (paired === null || !Number.isFinite(command.value)) return [];
  const deadband = policy.setpointDeadband;
  const { unit, pointId } = point;
  const pairedText = `${withUnit(paired.value, unit)} (point ${paired.pointId}, zone ${paired.zoneId})`;
  if (point.pointKind === 'heating_setpoint' && paired.pointKind === 'cooling_setpoint') {
    const keeps = (v: number): boolean => paired.value - v >= deadband - COMPARISON_TOLERANCE;
    if (keeps(command.value)) return [];
    const highest = suggestedBound(paired.value - deadband, 'upper', keeps);
    return [
      {
        code: 'setpoint_deadband',
        message: `Heating setpoint ${withUnit(command.value, unit)} for point ${pointId} would be less than ${withUnit(deadband, unit)} below the cooling setpoint ${pairedText}; request ${withUnit(highest, unit)} or less, or raise the cooling setpoint first.`,
      },
    ];
  }
  if (point.pointKind === 'cooling_setpoint' && paired.pointKind === 'heating_setpoint') {
    const keeps = (v: number): boolean => v - paired.value >= deadband - COMPARISON_TOLERANCE;
    if (keeps(command.value)) return [];
    const lowest = suggestedBound(paired.value + deadband, 'lower', keeps);
    return [
      {
        code: 'setpoint_deadband',
        message: `Cooling setpoint ${withUnit(command.value, unit)} for point ${pointId} would be less than ${withUnit(deadband, unit)} above the heating setpoint ${pairedText}; request ${withUnit(lowest, unit)} or more, or lower the heating setpoint first.`,
      },
    ];
  }
  return [];
}

/**
 * An on/off light (a lighting_level point in unit boolean) takes 0 or 1 only; a value between its
 * limits that is neither is still not one it can hold. Reported as above_max when above 1 and as
 * below_min otherwise (a fraction such as 0.5), the codes of the limits it falls between; the message
 * says which values the point takes. Dimming levels (unit percent) are held to their limits alone.
 */
export function onOffReasons(
  command: ControlCommandRequested,
  point: ControlPointRegistered,
): DecisionReason[] {
  if (point.pointKind !== 'lighting_level' || point.unit !== 'boolean') return [];
  const { value } = command;
  // Out of the limits or not a number: rangeReasons already said so.
  if (!(value >= point.minValue && value <= point.maxValue)) return [];
  if (value === 0 || value === 1) return [];
  return [
    {
      code: value > 1 ? 'above_max' : 'below_min',
      message: `Point ${point.pointId} is an on/off light: it takes 0 (off) or 1 (on), not ${formatNumber(value)}; request 0 or 1, or use a dimming point in percent for a level.`,
    },
  ];
}
