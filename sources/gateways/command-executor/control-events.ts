import type {
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  TopicValue,
} from '../../../schemas/index.ts';

/**
 * The control-loop shapes the executor needs, named from the catalogue so this slice does not widen the
 * schemas' public surface: an action on control-actions, a command's recurring window, an outcome's cause.
 */
export type ControlAction = TopicValue<'controlActions'>;
export type ControlSchedule = NonNullable<ControlCommandRequested['schedule']>;
export type OutcomeCause = NonNullable<ControlOutcome['cause']>;

/** One event of a command's history, as read from one of the four control topics. */
export type CommandEvent =
  | { readonly kind: 'request'; readonly event: ControlCommandRequested }
  | { readonly kind: 'decision'; readonly event: ControlDecision }
  | { readonly kind: 'action'; readonly event: ControlAction }
  | { readonly kind: 'outcome'; readonly event: ControlOutcome };
