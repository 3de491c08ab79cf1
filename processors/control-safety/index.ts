export type {
  ActiveCommand,
  CurrentValue,
  DecisionContext,
  InterlockContext,
  InterlockRule,
  OccupancyInterlockRule,
  PairedSetpoint,
  PointSelector,
  ScheduleInterlockRule,
  ScheduleLock,
} from './context.ts';
export { NO_INTERLOCKS } from './context.ts';
export type { ControlSafetyOptions } from './control-safety.ts';
export { controlSafety } from './control-safety.ts';
export { CONTROL_SAFETY_SOURCE, decideCommand } from './decide-command.ts';
export type {
  ControlSafetyInput,
  OccupancyChanged,
  PointValueObserved,
  ScheduleLockChanged,
  SetpointPairDeclared,
} from './inputs.ts';
export type { ControlSafetyPolicy, PrincipalKind, PriorityRange } from './policy.ts';
export {
  allowedPriorities,
  BACNET_PRIORITY_NAMES,
  ControlSafetyPolicyError,
  DEFAULT_CONTROL_SAFETY_POLICY,
  principalKind,
  resolveControlSafetyPolicy,
} from './policy.ts';
export { isKnownTimeZone } from './schedule-rules.ts';
export { servedByGateway } from './stale-value-rule.ts';
export {
  ControlInputRejectedError,
  validateControlCommand,
  validateControlOutcome,
  validateControlPoint,
  validatePointValue,
} from './validate-inputs.ts';
