import type { ControlPointKind, ControlPointRegistered } from '../../schemas/index.ts';

/** The point's current effective value and the event time it was set at, the baseline of the slew limit. */
export interface CurrentValue {
  readonly value: number;
  readonly at: Date;
}

/** The other setpoint of the commanded point's zone, for the heating/cooling deadband. */
export interface PairedSetpoint {
  /** Zone both setpoints belong to, named in messages. */
  readonly zoneId: string;
  readonly pointId: string;
  /** Role of the paired point: the commanded point has the other role. */
  readonly pointKind: 'heating_setpoint' | 'cooling_setpoint';
  /** Its current effective value, in degC. */
  readonly value: number;
}

/** A command that holds a BACnet priority slot of the point until it expires or is relinquished. */
export interface ActiveCommand {
  readonly commandId: string;
  readonly priority: number;
  readonly requestedBy: string;
  readonly value: number;
  readonly expiresAt: Date;
}

/**
 * Which points an interlock rule guards. A point matches when its building is listed (or no buildings
 * are) and its id or its kind is listed; a selector with neither ids nor kinds matches every point of
 * its buildings.
 */
export interface PointSelector {
  readonly buildingIds?: readonly string[];
  readonly pointIds?: readonly string[];
  readonly pointKinds?: readonly ControlPointKind[];
}

/**
 * While the building is occupied (or its occupancy is unknown: the safe side for comfort and lighting),
 * commands to the selected points must stay within [min, max] in the point's unit. With neither bound
 * the points may not be written at all while occupied. Example: lighting_level at least 50 percent;
 * zone_air_temperature_setpoint from 20 to 24 degC.
 */
export interface OccupancyInterlockRule {
  readonly kind: 'occupancy';
  /** Stable id of the rule, for audit. */
  readonly id: string;
  /** What the rule protects, in words, quoted in messages, e.g. 'occupied comfort band'. */
  readonly label: string;
  readonly appliesTo: PointSelector;
  readonly min?: number;
  readonly max?: number;
}

/**
 * While the schedule lock `lockId` is engaged in the building (e.g. a morning warm-up or a demand-response
 * event, announced on the log), the selected points may not be written.
 */
export interface ScheduleInterlockRule {
  readonly kind: 'schedule';
  readonly id: string;
  readonly label: string;
  readonly appliesTo: PointSelector;
  readonly lockId: string;
}

/** A declarative interlock: configuration says what is guarded, the log says when it is engaged. */
export type InterlockRule = OccupancyInterlockRule | ScheduleInterlockRule;

/** A schedule lock engaged in the building; it lapses at `until` (event time), or stays until released. */
export interface ScheduleLock {
  readonly lockId: string;
  readonly until: Date | null;
}

/** The interlock rules and the state that engages them, for the commanded point's building. */
export interface InterlockContext {
  readonly rules: readonly InterlockRule[];
  /** Whether the building is occupied; null when no occupancy was observed (treated as occupied). */
  readonly occupied: boolean | null;
  readonly scheduleLocks: readonly ScheduleLock[];
}

/**
 * Everything a decision depends on besides the command and the policy, all folded from the log, never
 * read from a clock: the same command and context always give the same decision.
 */
export interface DecisionContext {
  /** The point's latest registration; null when the point was never registered. */
  readonly point: ControlPointRegistered | null;
  /** The point's current effective value; null when unknown (the slew limit is then not checked). */
  readonly current: CurrentValue | null;
  /**
   * Event time of the point's latest value from the device (a point value read, or a read-back of an
   * acknowledged or relinquished outcome), in the point's unit; null or absent when there is none.
   * Judged only for points served by a gateway (stale_value).
   */
  readonly observedAt?: Date | null;
  /** The paired setpoint of the zone with a known value; null when there is none (no deadband check). */
  readonly pairedSetpoint: PairedSetpoint | null;
  readonly interlocks: InterlockContext;
  /** Commands holding a priority slot of the point; ones expired at the command's time are ignored. */
  readonly activeCommands: readonly ActiveCommand[];
}

/** No interlock rules and nothing engaged. */
export const NO_INTERLOCKS: InterlockContext = Object.freeze({
  rules: [],
  occupied: null,
  scheduleLocks: [],
});
