import type { ControlCommandRequested, ControlDecision, ControlOutcome } from '../../../schemas/index.ts';
import type { CommandEvent, ControlAction } from './control-events.ts';

/**
 * Everything the log says about one command: its request, its decision, the actions on it and the
 * outcomes the gateway already produced, each kept once by eventId. Folding is idempotent and
 * insensitive to which of the four topics is read first, so a restart that reads them all again
 * rebuilds the same state.
 */
export interface CommandState {
  readonly commandId: string;
  readonly request: ControlCommandRequested | null;
  readonly decision: ControlDecision | null;
  /** By eventId, in the order they were read (one key, so one partition: the order they were made). */
  readonly actions: ReadonlyMap<string, ControlAction>;
  readonly outcomes: ReadonlyMap<string, ControlOutcome>;
}

export function emptyCommand(commandId: string): CommandState {
  return { commandId, request: null, decision: null, actions: new Map(), outcomes: new Map() };
}

/** The command's commandId and point, whichever of its events this is. */
export function commandKeyOf(e: CommandEvent): { commandId: string; buildingId: string; pointId: string } {
  return { commandId: e.event.commandId, buildingId: e.event.buildingId, pointId: e.event.pointId };
}

/** The state after one more event; the same state (by reference) when the event was seen already. */
export function foldCommand(state: CommandState, e: CommandEvent): CommandState {
  switch (e.kind) {
    case 'request':
      // The first request wins: a retried proposal with the same commandId changes nothing.
      return state.request === null ? { ...state, request: e.event } : state;
    case 'decision':
      return state.decision === null ? { ...state, decision: e.event } : state;
    case 'action':
      if (state.actions.has(e.event.eventId)) return state;
      return { ...state, actions: new Map(state.actions).set(e.event.eventId, e.event) };
    case 'outcome':
      if (state.outcomes.has(e.event.eventId)) return state;
      return { ...state, outcomes: new Map(state.outcomes).set(e.event.eventId, e.event) };
  }
}

/**
 * Whether the command is over: refused, failed, expired, or relinquished for any reason but a schedule
 * window's end (which pauses it until the next window).
 */
export function isFinished(state: CommandState): boolean {
  for (const o of state.outcomes.values()) {
    if (o.outcome === 'failed' || o.outcome === 'expired' || o.outcome === 'refused') return true;
    if (o.outcome === 'relinquished' && o.cause !== 'schedule_window_end') return true;
  }
  return false;
}

/** Whether the log says the command holds its priority on the device: its last write not yet relinquished. */
export function isHeld(state: CommandState): boolean {
  let held = false;
  for (const o of state.outcomes.values()) {
    if (o.outcome === 'acknowledged') held = true;
    else if (o.outcome === 'relinquished') held = false;
  }
  return held;
}

/** Whether the command was ever written (approval is asked for once, before the first write). */
export function wasWritten(state: CommandState): boolean {
  for (const o of state.outcomes.values()) if (o.outcome === 'acknowledged') return true;
  return false;
}
