import type {
  ControlCommandRequested,
  ControlOutcome,
  ControlPointRegistered,
  ControlUnit,
} from '../../schemas/index.ts';

/**
 * A reading of a control point's present value (e.g. a BACnet present-value poll), the baseline of the
 * slew limit and the deadband, and what makes a gateway point's value fresh. The catalogue's
 * `PointValueObserved` (topic point-values) passes as it is; this is the part the processor reads.
 */
export interface PointValueObserved {
  readonly occurredAt: Date;
  readonly buildingId: string;
  readonly pointId: string;
  /** In `unit`, which should be the point's. */
  readonly value: number;
  /**
   * Unit of value; a value in another unit than the point's registration is not a value of the point
   * (ignored as baseline and as freshness). Absent: taken to be the point's unit.
   */
  readonly unit?: ControlUnit;
}

/**
 * Declares that two points are the heating and cooling setpoints of one zone, so the deadband is kept
 * between them. Registrations with a zoneId pair their zone's setpoints without it; a declared pair
 * takes precedence for the two points it names.
 */
export interface SetpointPairDeclared {
  readonly occurredAt: Date;
  readonly buildingId: string;
  readonly zoneId: string;
  readonly heatingPointId: string;
  readonly coolingPointId: string;
}

/** The building became occupied or unoccupied (from a schedule or occupancy sensors). */
export interface OccupancyChanged {
  readonly occurredAt: Date;
  readonly buildingId: string;
  readonly occupied: boolean;
}

/** A schedule lock was engaged (until `until`, or until released) or released in the building. */
export interface ScheduleLockChanged {
  readonly occurredAt: Date;
  readonly buildingId: string;
  readonly lockId: string;
  readonly locked: boolean;
  /** When an engaged lock lapses (event time); null or absent when it holds until released. */
  readonly until?: Date | null;
}

/**
 * One input of {@link controlSafety}: the merged, event-time-ordered streams the decisions depend on.
 * Shaped like the codec's `DecodedEvent` (`type` and `value`), so decoded catalogue events pass as they are.
 */
export type ControlSafetyInput =
  | { readonly type: 'ControlPointRegistered'; readonly value: ControlPointRegistered }
  | { readonly type: 'ControlCommandRequested'; readonly value: ControlCommandRequested }
  | { readonly type: 'ControlOutcome'; readonly value: ControlOutcome }
  | { readonly type: 'PointValueObserved'; readonly value: PointValueObserved }
  | { readonly type: 'SetpointPairDeclared'; readonly value: SetpointPairDeclared }
  | { readonly type: 'OccupancyChanged'; readonly value: OccupancyChanged }
  | { readonly type: 'ScheduleLockChanged'; readonly value: ScheduleLockChanged };
