import { defer, filter, map, type OperatorFunction } from 'rxjs';
import type { ControlDecision } from '../../schemas/index.ts';
import type { InterlockRule } from './context.ts';
import type { ControlSafetyInput } from './inputs.ts';
import { type ControlSafetyPolicy, resolveControlSafetyPolicy } from './policy.ts';
import { applyInput, createControlSafetyState } from './state.ts';

/** Options of {@link controlSafety}. */
export interface ControlSafetyOptions {
  /** Overrides of DEFAULT_CONTROL_SAFETY_POLICY; checked when the operator is created. */
  readonly policy?: Partial<ControlSafetyPolicy>;
  /** Declarative interlock rules; the input stream says when each is engaged. None by default. */
  readonly interlocks?: readonly InterlockRule[];
}

/**
 * Turns a merged, event-time-ordered stream of control inputs into one {@link ControlDecision} per
 * requested command (see {@link decideCommand} for the rules). The context each decision needs is folded
 * from the stream itself, so the output is a deterministic function of the input log and a replay
 * reproduces it. Accepted commands hold their priority slot until they expire, judged in event time
 * against each later command, or until a failed or relinquished outcome frees it.
 *
 * No scheduler is taken because nothing here waits: time only moves when an event arrives, and expiry
 * is evaluated at the event time of the command being decided. Throws ControlSafetyPolicyError at
 * creation for an unsafe policy.
 */
export function controlSafety(
  options: ControlSafetyOptions = {},
): OperatorFunction<ControlSafetyInput, ControlDecision> {
  const policy = resolveControlSafetyPolicy(options.policy);
  const rules = [...(options.interlocks ?? [])];
  return (source) =>
    // A fresh state per subscription: a resubscription (a replay, a retry) folds the log from its start.
    defer(() => {
      const state = createControlSafetyState();
      return source.pipe(
        map((input) => applyInput(state, input, policy, rules)),
        filter((decision): decision is ControlDecision => decision !== null),
      );
    });
}
