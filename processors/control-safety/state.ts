import type {
  ControlCommandRequested,
  ControlDecision,
  ControlPointRegistered,
} from '../../schemas/index.ts';
import type {
  ActiveCommand,
  DecisionContext,
  InterlockRule,
  PairedSetpoint,
  ScheduleLock,
} from './context.ts';
import { decideCommand } from './decide-command.ts';
import type { ControlSafetyInput } from './inputs.ts';
import type { ControlSafetyPolicy } from './policy.ts';

interface CurrentEntry {
  readonly value: number;
  readonly at: Date;
  /** The accepted command that set this value, so a failed outcome can restore what was there before. */
  readonly commandId: string | null;
  readonly previous: CurrentEntry | null;
}

interface ZonePair {
  readonly zoneId: string;
  readonly heatingPointId: string;
  readonly coolingPointId: string;
}

/**
 * What the processor remembers, folded from its input. Mutable, but owned by one subscription and
 * changed only by {@link applyInput}, so it is a function of the inputs seen so far.
 */
export interface ControlSafetyState {
  readonly points: Map<string, ControlPointRegistered>;
  readonly current: Map<string, CurrentEntry>;
  readonly pairs: Map<string, ZonePair>;
  readonly occupancy: Map<string, boolean>;
  /** buildingId -> lockId -> until. */
  readonly locks: Map<string, Map<string, Date | null>>;
  /** pointId -> BACnet priority -> the command holding that slot. */
  readonly slots: Map<string, Map<number, ActiveCommand>>;
  /** commandId -> its decision, kept for one maximum command duration to answer redeliveries alike. */
  readonly decided: Map<string, { readonly decision: ControlDecision; readonly forgetAt: number }>;
}

/** An empty state: nothing registered, nothing held. */
export function createControlSafetyState(): ControlSafetyState {
  return {
    points: new Map(),
    current: new Map(),
    pairs: new Map(),
    occupancy: new Map(),
    locks: new Map(),
    slots: new Map(),
    decided: new Map(),
  };
}

function contextFor(
  state: ControlSafetyState,
  command: ControlCommandRequested,
  rules: readonly InterlockRule[],
): DecisionContext {
  const at = command.occurredAt.getTime();
  // Expiry in event time: whatever lapsed at or before this command no longer holds anything. Pruned
  // here, lazily, because only a decision can observe it.
  const slots = state.slots.get(command.pointId);
  for (const [priority, active] of slots ?? []) {
    if (active.expiresAt.getTime() <= at) slots?.delete(priority);
  }
  const locks = state.locks.get(command.buildingId);
  for (const [lockId, until] of locks ?? []) {
    if (until !== null && until.getTime() <= at) locks?.delete(lockId);
  }
  const current = state.current.get(command.pointId);
  return {
    point: state.points.get(command.pointId) ?? null,
    current: current === undefined ? null : { value: current.value, at: current.at },
    pairedSetpoint: pairedSetpoint(state, command.pointId),
    interlocks: {
      rules,
      occupied: state.occupancy.get(command.buildingId) ?? null,
      scheduleLocks: [...(locks ?? [])].map(([lockId, until]): ScheduleLock => ({ lockId, until })),
    },
    activeCommands: [...(slots?.values() ?? [])],
  };
}

function pairedSetpoint(state: ControlSafetyState, pointId: string): PairedSetpoint | null {
  const pair = state.pairs.get(pointId);
  if (pair === undefined) return null;
  const heating = pair.heatingPointId === pointId;
  const otherId = heating ? pair.coolingPointId : pair.heatingPointId;
  const other = state.current.get(otherId);
  if (other === undefined) return null;
  return {
    zoneId: pair.zoneId,
    pointId: otherId,
    pointKind: heating ? 'cooling_setpoint' : 'heating_setpoint',
    value: other.value,
  };
}

function decide(
  state: ControlSafetyState,
  command: ControlCommandRequested,
  policy: ControlSafetyPolicy,
  rules: readonly InterlockRule[],
): ControlDecision {
  const at = command.occurredAt.getTime();
  // Decisions are remembered in command order and for the same span each, so the oldest come first.
  for (const [commandId, entry] of state.decided) {
    if (entry.forgetAt > at) break;
    state.decided.delete(commandId);
  }
  // A redelivered command gets the decision it already had; deciding it again against a state that
  // now includes itself could give a different answer.
  const earlier = state.decided.get(command.commandId);
  if (earlier !== undefined) return earlier.decision;

  const decision = decideCommand(command, contextFor(state, command, rules), policy);
  state.decided.set(command.commandId, { decision, forgetAt: at + policy.maxCommandDurationMs });
  if (decision.decision === 'accepted') {
    let slots = state.slots.get(command.pointId);
    if (slots === undefined) {
      slots = new Map();
      state.slots.set(command.pointId, slots);
    }
    const { commandId, priority, requestedBy, value, expiresAt } = command;
    slots.set(priority, { commandId, priority, requestedBy, value, expiresAt });
    // An accepted command wins its point (a higher-priority holder would have rejected it), so its value
    // is the baseline for the next slew and deadband checks at once, without waiting for the device's
    // acknowledgement: otherwise a burst of small steps could outrun the slew limit.
    state.current.set(command.pointId, {
      value,
      at: command.occurredAt,
      commandId,
      previous: state.current.get(command.pointId) ?? null,
    });
  }
  return decision;
}

/**
 * Folds one input into `state`; returns the decision when the input is a command, otherwise null.
 * Deterministic: the same inputs in the same order give the same decisions.
 */
export function applyInput(
  state: ControlSafetyState,
  input: ControlSafetyInput,
  policy: ControlSafetyPolicy,
  rules: readonly InterlockRule[],
): ControlDecision | null {
  switch (input.type) {
    case 'ControlCommandRequested':
      return decide(state, input.value, policy, rules);
    case 'ControlPointRegistered':
      // The latest registration is the point's description (compacted topic semantics).
      state.points.set(input.value.pointId, input.value);
      return null;
    case 'PointValueObserved': {
      const { pointId, value, occurredAt } = input.value;
      const known = state.current.get(pointId);
      // Out-of-order readings from the merge must not move the baseline back in time.
      if (known === undefined || known.at.getTime() <= occurredAt.getTime()) {
        state.current.set(pointId, { value, at: occurredAt, commandId: null, previous: null });
      }
      return null;
    }
    case 'ControlOutcome': {
      const { pointId, commandId, outcome } = input.value;
      // Acknowledged needs nothing: the value counted from acceptance. Failed and relinquished free the slot.
      if (outcome === 'acknowledged') return null;
      const slots = state.slots.get(pointId);
      for (const [priority, active] of slots ?? []) {
        if (active.commandId === commandId) slots?.delete(priority);
      }
      // A failed write never reached the device: the value before it is still the one in force. (After a
      // relinquish the device falls back to a value only a reading can tell, so the last one stands.)
      const current = state.current.get(pointId);
      if (outcome === 'failed' && current !== undefined && current.commandId === commandId) {
        if (current.previous === null) state.current.delete(pointId);
        else state.current.set(pointId, current.previous);
      }
      return null;
    }
    case 'SetpointPairDeclared': {
      const pair = input.value;
      // Re-pairing a point drops its old partner's pairing, so no point keeps a stale partner.
      for (const pointId of [pair.heatingPointId, pair.coolingPointId]) {
        const old = state.pairs.get(pointId);
        if (old !== undefined) {
          state.pairs.delete(old.heatingPointId);
          state.pairs.delete(old.coolingPointId);
        }
      }
      const zonePair: ZonePair = {
        zoneId: pair.zoneId,
        heatingPointId: pair.heatingPointId,
        coolingPointId: pair.coolingPointId,
      };
      state.pairs.set(pair.heatingPointId, zonePair);
      state.pairs.set(pair.coolingPointId, zonePair);
      return null;
    }
    case 'OccupancyChanged':
      state.occupancy.set(input.value.buildingId, input.value.occupied);
      return null;
    case 'ScheduleLockChanged': {
      const { buildingId, lockId, locked, until } = input.value;
      let locks = state.locks.get(buildingId);
      if (locks === undefined) {
        locks = new Map();
        state.locks.set(buildingId, locks);
      }
      if (locked) locks.set(lockId, until ?? null);
      else locks.delete(lockId);
      return null;
    }
  }
}
