import type {
  ControlCommandRequested,
  ControlDecision,
  ControlPointRegistered,
  ControlUnit,
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
  /** Since when the point holds `value` (a repeated equal reading does not move it): the slew baseline. */
  readonly at: Date;
  /** Unit of the value when it came from the device; null for an accepted command (the point's unit). */
  readonly unit: ControlUnit | null;
  /** The accepted command that set this value, so a failed outcome can restore what was there before. */
  readonly commandId: string | null;
  readonly previous: CurrentEntry | null;
}

/** When the device last reported the point, and in which unit (null: unstated, the point's). */
interface ObservedEntry {
  readonly at: Date;
  readonly unit: ControlUnit | null;
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
  /** pointId -> the latest device value's time: a point value read or an outcome's read-back. */
  readonly observed: Map<string, ObservedEntry>;
  /** Pairs declared by SetpointPairDeclared; registrations' zoneIds pair the other setpoints. */
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
    observed: new Map(),
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
  const point = state.points.get(command.pointId) ?? null;
  const inUnit = (unit: ControlUnit | null): boolean => unit === null || unit === point?.unit;
  const current = state.current.get(command.pointId);
  const observed = state.observed.get(command.pointId);
  return {
    point,
    current: current === undefined || !inUnit(current.unit) ? null : { value: current.value, at: current.at },
    observedAt: observed === undefined || !inUnit(observed.unit) ? null : observed.at,
    pairedSetpoint: pairedSetpoint(state, command.pointId, at),
    interlocks: {
      rules,
      occupied: state.occupancy.get(command.buildingId) ?? null,
      scheduleLocks: [...(locks ?? [])].map(([lockId, until]): ScheduleLock => ({ lockId, until })),
    },
    activeCommands: [...(slots?.values() ?? [])],
  };
}

/**
 * What a partner setpoint may hold at `at`: its current value (in `unit`) and the value of every
 * command still holding one of its priority slots. An accepted command can wait for approval or its
 * write while the gateway keeps reporting the old value, so the dead band is kept against both.
 */
function partnerValues(
  state: ControlSafetyState,
  partnerId: string,
  unit: ControlUnit,
  at: number,
): number[] {
  const values: number[] = [];
  const current = state.current.get(partnerId);
  if (current !== undefined && (current.unit === null || current.unit === unit)) values.push(current.value);
  for (const active of state.slots.get(partnerId)?.values() ?? []) {
    if (active.expiresAt.getTime() > at) values.push(active.value);
  }
  return values;
}

/** The value that constrains a command most: the lowest cooling value, or the highest heating value. */
function tightest(values: readonly number[], partnerKind: PairedSetpoint['pointKind']): number | undefined {
  if (values.length === 0) return undefined;
  return partnerKind === 'cooling_setpoint' ? Math.min(...values) : Math.max(...values);
}

function pairedSetpoint(state: ControlSafetyState, pointId: string, at: number): PairedSetpoint | null {
  const pair = state.pairs.get(pointId);
  if (pair !== undefined) {
    const heating = pair.heatingPointId === pointId;
    const otherId = heating ? pair.coolingPointId : pair.heatingPointId;
    const pointKind = heating ? 'cooling_setpoint' : 'heating_setpoint';
    const unit = state.points.get(otherId)?.unit ?? state.points.get(pointId)?.unit ?? 'degC';
    const value = tightest(partnerValues(state, otherId, unit, at), pointKind);
    return value === undefined ? null : { zoneId: pair.zoneId, pointId: otherId, pointKind, value };
  }
  return zonePartner(state, pointId, at);
}

/**
 * The partner of a heating or cooling setpoint by registration: a setpoint of the other role with the
 * same zoneId in the same building, in the same unit, with a known value. Should a zone register
 * several, or a partner hold several values (see {@link partnerValues}), the one that constrains most
 * is taken (ties by point id), so no partner's dead band is broken. A linear scan: a site has hundreds
 * of control points, and only commands pay for it.
 */
function zonePartner(state: ControlSafetyState, pointId: string, at: number): PairedSetpoint | null {
  const point = state.points.get(pointId);
  const zoneId = point?.zoneId;
  if (point === undefined || zoneId === null || zoneId === undefined) return null;
  const partnerKind =
    point.pointKind === 'heating_setpoint'
      ? 'cooling_setpoint'
      : point.pointKind === 'cooling_setpoint'
        ? 'heating_setpoint'
        : null;
  if (partnerKind === null) return null;
  let best: PairedSetpoint | null = null;
  for (const other of state.points.values()) {
    if (
      other.pointKind !== partnerKind ||
      other.zoneId !== zoneId ||
      other.buildingId !== point.buildingId ||
      other.unit !== point.unit ||
      state.pairs.has(other.pointId)
    ) {
      continue;
    }
    const value = tightest(partnerValues(state, other.pointId, other.unit, at), partnerKind);
    if (value === undefined) continue;
    const candidate: PairedSetpoint = { zoneId, pointId: other.pointId, pointKind: partnerKind, value };
    if (best === null) {
      best = candidate;
      continue;
    }
    const tighter =
      partnerKind === 'cooling_setpoint' ? candidate.value < best.value : candidate.value > best.value;
    if (tighter || (candidate.value === best.value && candidate.pointId < best.pointId)) best = candidate;
  }
  return best;
}

/**
 * Sets the point's current value from the device at `at`: a new baseline when the value changed, only
 * a fresher observation when it did not (a setpoint polled every 10 s must not restart its slew clock
 * every 10 s, or no change larger than one poll's worth would ever pass). Older than what is known: ignored.
 */
function observe(
  state: ControlSafetyState,
  pointId: string,
  value: number,
  at: Date,
  unit: ControlUnit | null,
): void {
  const seen = state.observed.get(pointId);
  if (seen === undefined || seen.at.getTime() <= at.getTime()) state.observed.set(pointId, { at, unit });
  const known = state.current.get(pointId);
  // Out-of-order readings from the merge must not move the baseline back in time.
  if (known !== undefined && known.at.getTime() > at.getTime()) return;
  const sameUnit = unit === null || known?.unit === null || known?.unit === unit;
  if (known !== undefined && known.value === value && sameUnit) return;
  state.current.set(pointId, { value, at, unit, commandId: null, previous: null });
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
      unit: null,
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
      const { pointId, value, occurredAt, unit } = input.value;
      observe(state, pointId, value, occurredAt, unit ?? null);
      return null;
    }
    case 'ControlOutcome': {
      const { pointId, commandId, outcome, readBack, occurredAt } = input.value;
      // A read-back is the device's own value: the newest baseline, and fresh for stale_value.
      if (
        (outcome === 'acknowledged' || outcome === 'relinquished') &&
        readBack !== null &&
        readBack !== undefined
      ) {
        observe(state, pointId, readBack, occurredAt, null);
      }
      // Acknowledged keeps the slot: the value counted from acceptance. Every other outcome ends the command.
      if (outcome === 'acknowledged') return null;
      const slots = state.slots.get(pointId);
      for (const [priority, active] of slots ?? []) {
        if (active.commandId === commandId) slots?.delete(priority);
      }
      // A command that was never written (failed, expired, refused) left the value before it in force.
      // (After a relinquish the device falls back to a value only a read-back or a reading can tell.)
      const current = state.current.get(pointId);
      if (outcome !== 'relinquished' && current !== undefined && current.commandId === commandId) {
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
