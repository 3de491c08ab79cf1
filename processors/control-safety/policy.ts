import { EaioError } from '../../infra/errors/index.ts';

/** A contiguous band of BACnet priorities, inclusive; `highest` is the smaller number (it wins). */
export interface PriorityRange {
  readonly highest: number;
  readonly lowest: number;
}

/**
 * The limits every command is held to, beyond the point's own registration. Configuration, parsed once at
 * the edge: the decision is a function of the command, the state folded from the log and this policy.
 */
export interface ControlSafetyPolicy {
  /** Longest a command may hold a point: expiresAt may be at most this long after occurredAt (ms). */
  readonly maxCommandDurationMs: number;
  /** Least gap between a zone's heating setpoint and its cooling setpoint, in degC. */
  readonly setpointDeadband: number;
  /**
   * Oldest a point's latest device value may be, in event time before the command (ms), for a point
   * served by a gateway; older or none at all rejects the command as stale_value.
   */
  readonly maxValueAgeMs: number;
  /** Priorities agents may write. */
  readonly agentPriorities: PriorityRange;
  /** Priorities users (people) may write. */
  readonly userPriorities: PriorityRange;
  /** requestedBy prefix that marks a person; every other principal is treated as an agent. */
  readonly userPrefix: string;
}

/**
 * The default policy.
 *
 * Priorities (BACnet, 1 wins over 16): nothing written through this pipeline may use 1–7. 1 and 2 are
 * manual and automatic life safety, 5 critical equipment control and 6 minimum on/off time, which
 * belong to the devices and the fire and smoke systems; 3, 4 and 7 are kept free for site-specific
 * safety functions. 8 is the manual operator slot, for people only, so an operator can always
 * override any agent. Agents get 9–16. Anyone whose requestedBy does not start with `user:` counts as
 * an agent: an unrecognised principal gets the narrower range.
 *
 * Commands last at most 24 h, so an agent's write is always relinquished within a day.
 *
 * Dead band 0.5 degC: ASHRAE Guideline 36 has software keep a zone's heating setpoint below its
 * cooling setpoint by a minimum dead band, so the heating and cooling loops never fight over the zone.
 * 0.5 K (about 0.9 degF) is kept as this platform's floor: it only stops that fight and is not a comfort
 * setting (Guideline 36's occupied defaults are several kelvin apart, kept by the points' limits); a
 * site that wants a wider minimum sets `setpointDeadband`.
 *
 * Values 15 min old at most for gateway points: a gateway polls its setpoints every few seconds to a
 * minute, so a value older than a quarter of an hour means the gateway or the device is gone, and a
 * slew or dead band judged against it would be judged against a guess.
 */
export const DEFAULT_CONTROL_SAFETY_POLICY: ControlSafetyPolicy = Object.freeze({
  maxCommandDurationMs: 24 * 60 * 60 * 1000,
  setpointDeadband: 0.5,
  maxValueAgeMs: 15 * 60 * 1000,
  agentPriorities: Object.freeze({ highest: 9, lowest: 16 }),
  userPriorities: Object.freeze({ highest: 8, lowest: 16 }),
  userPrefix: 'user:',
});

/** Names of the BACnet priorities with a standard meaning, for messages that say why a slot is reserved. */
export const BACNET_PRIORITY_NAMES: Readonly<Partial<Record<number, string>>> = Object.freeze({
  1: 'manual life safety',
  2: 'automatic life safety',
  5: 'critical equipment control',
  6: 'minimum on/off',
  8: 'manual operator',
});

/** Whether a principal is a person or an agent, by its requestedBy id. */
export type PrincipalKind = 'agent' | 'user';

/** Classifies `requestedBy` under the policy; anything not marked as a user is an agent (least privilege). */
export function principalKind(requestedBy: string, policy: ControlSafetyPolicy): PrincipalKind {
  return requestedBy.startsWith(policy.userPrefix) ? 'user' : 'agent';
}

/** The priorities `requestedBy` may write under the policy. */
export function allowedPriorities(requestedBy: string, policy: ControlSafetyPolicy): PriorityRange {
  return principalKind(requestedBy, policy) === 'user' ? policy.userPriorities : policy.agentPriorities;
}

/** A control-safety policy that would let a command through that it must not; raised at start-up. */
export class ControlSafetyPolicyError extends EaioError {
  override readonly name = 'ControlSafetyPolicyError';
}

function checkRange(name: string, range: PriorityRange): void {
  const { highest, lowest } = range;
  // Life safety (1 and 2) is never writable from here, whatever the configuration says.
  if (
    !Number.isInteger(highest) ||
    !Number.isInteger(lowest) ||
    highest < 3 ||
    lowest > 16 ||
    highest > lowest
  ) {
    throw new ControlSafetyPolicyError(
      'INVALID_ARGUMENT',
      'permanent',
      `${name} must be integers with 3 <= highest <= lowest <= 16, got ${highest} to ${lowest}`,
      { context: { name, highest, lowest } },
    );
  }
}

/**
 * The default policy with `overrides` applied, checked: throws {@link ControlSafetyPolicyError} when a
 * priority range reaches into life safety or past 16, or a duration, deadband or value age is not positive.
 */
export function resolveControlSafetyPolicy(
  overrides: Partial<ControlSafetyPolicy> = {},
): ControlSafetyPolicy {
  const policy: ControlSafetyPolicy = Object.freeze({ ...DEFAULT_CONTROL_SAFETY_POLICY, ...overrides });
  checkRange('agentPriorities', policy.agentPriorities);
  checkRange('userPriorities', policy.userPriorities);
  for (const [name, value] of [
    ['maxCommandDurationMs', policy.maxCommandDurationMs],
    ['setpointDeadband', policy.setpointDeadband],
    ['maxValueAgeMs', policy.maxValueAgeMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ControlSafetyPolicyError(
        'INVALID_ARGUMENT',
        'permanent',
        `${name} must be positive, got ${value}`,
        {
          context: { name, value },
        },
      );
    }
  }
  if (policy.userPrefix.length === 0) {
    throw new ControlSafetyPolicyError('INVALID_ARGUMENT', 'permanent', 'userPrefix must not be empty', {
      context: { name: 'userPrefix' },
    });
  }
  return policy;
}
