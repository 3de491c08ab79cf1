import { EaioError } from '../../infra/errors/index.ts';
import type {
  ControlCommandRequested,
  ControlOutcome,
  ControlPointRegistered,
  ControlUnit,
  TopicValue,
} from '../../schemas/index.ts';

type PointValueObserved = TopicValue<'pointValues'>;

/** A control input the processor cannot fold or decide at all; dead-lettered, never decided. */
export class ControlInputRejectedError extends EaioError {
  override readonly name = 'ControlInputRejectedError';
}

const ID_MAX = 200;

function reject(what: string, eventId: string, problem: string): never {
  throw new ControlInputRejectedError('EVENT_INVALID', 'poison', `${what} ${eventId}: ${problem}`, {
    context: { eventId },
  });
}

function requireIds(what: string, eventId: string, ids: Readonly<Record<string, string>>): void {
  for (const [field, id] of Object.entries(ids)) {
    if (id.trim().length === 0 || id.length > ID_MAX) {
      reject(what, eventId, `${field} must be a non-empty id of at most ${ID_MAX} characters`);
    }
  }
}

function requireTime(what: string, eventId: string, at: Date): void {
  if (Number.isNaN(at.getTime())) reject(what, eventId, 'occurredAt is not a valid time');
}

/**
 * Keeps out commands that cannot even be answered: no id to answer, no point or building to key the
 * decision by, no event time to order them. Everything a decision can judge (limits, priority, expiry,
 * NaN values) is left to the decision, which rejects with a reason the requester can act on.
 */
export function validateControlCommand(command: ControlCommandRequested): ControlCommandRequested {
  const what = 'Control command';
  requireIds(what, command.eventId, {
    commandId: command.commandId,
    buildingId: command.buildingId,
    pointId: command.pointId,
    requestedBy: command.requestedBy,
  });
  requireTime(what, command.eventId, command.occurredAt);
  return command;
}

/** An outcome must name its command and point and carry an event time to be placed in the merge. */
export function validateControlOutcome(outcome: ControlOutcome): ControlOutcome {
  const what = 'Control outcome';
  requireIds(what, outcome.eventId, {
    commandId: outcome.commandId,
    buildingId: outcome.buildingId,
    pointId: outcome.pointId,
  });
  requireTime(what, outcome.eventId, outcome.occurredAt);
  return outcome;
}

/** Units with a fixed domain: a percentage is 0-100, an on/off point 0 (off) or 1 (on). */
const UNIT_DOMAINS: Partial<Record<ControlUnit, { readonly min: number; readonly max: number }>> = {
  percent: { min: 0, max: 100 },
  boolean: { min: 0, max: 1 },
};

/**
 * A registration with limits that cannot be checked against (non-finite, min above max, a non-positive
 * slew limit) would either reject every command or let any through, and limits beyond the unit's
 * domain (a percent point up to 150, an on/off point up to 100) describe a point that cannot exist; it
 * is refused, and the point keeps its previous registration.
 */
export function validateControlPoint(point: ControlPointRegistered): ControlPointRegistered {
  const what = 'Control point registration';
  requireIds(what, point.eventId, { pointId: point.pointId, buildingId: point.buildingId });
  requireTime(what, point.eventId, point.occurredAt);
  if (
    !Number.isFinite(point.minValue) ||
    !Number.isFinite(point.maxValue) ||
    point.minValue > point.maxValue
  ) {
    reject(what, point.eventId, `limits [${point.minValue}, ${point.maxValue}] are not a finite range`);
  }
  const domain = UNIT_DOMAINS[point.unit];
  if (domain !== undefined && (point.minValue < domain.min || point.maxValue > domain.max)) {
    reject(
      what,
      point.eventId,
      `limits [${point.minValue}, ${point.maxValue}] exceed what a ${point.unit} point takes (${domain.min} to ${domain.max})`,
    );
  }
  const slew = point.maxChangePerMinute;
  if (slew !== null && slew !== undefined && !(Number.isFinite(slew) && slew > 0)) {
    reject(what, point.eventId, `maxChangePerMinute ${slew} must be positive when set`);
  }
  return point;
}

/**
 * A point value must name its point and building, carry an event time and a finite value: it becomes
 * the slew baseline and makes the point fresh, so a NaN would disable the slew limit for the point.
 */
export function validatePointValue(observed: PointValueObserved): PointValueObserved {
  const what = 'Point value';
  requireIds(what, observed.eventId, { pointId: observed.pointId, buildingId: observed.buildingId });
  requireTime(what, observed.eventId, observed.occurredAt);
  if (!Number.isFinite(observed.value))
    reject(what, observed.eventId, `value ${observed.value} is not finite`);
  return observed;
}
