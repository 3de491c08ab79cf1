import type { MeterKind, ReadingUnit } from '../../../schemas/index.ts';
import type { WeeklyProfile } from '../weekly-profiles.ts';

/** Rule ids: stable, so an agent (or a test) can name the rule behind a recommendation. */
export const RULE_IDS = [
  'night-base-load',
  'weekend-base-load',
  'simultaneous-heating-cooling',
  'schedule-drift',
  'flatlined-meter',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const LEVELS = ['low', 'medium', 'high'] as const;
export type Level = (typeof LEVELS)[number];

/** A figure the rule compared, named and with its unit, so an answer can quote it. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** A time range of readings the rule read, and what they are. */
export interface EvidenceRange {
  readonly from: Date;
  readonly to: Date;
  readonly what: string;
}

/** Everything behind a recommendation, by id and time range: nothing in it is prose to trust. */
export interface Evidence {
  readonly ranges: readonly EvidenceRange[];
  readonly meterIds: readonly string[];
  readonly anomalyIds: readonly string[];
  readonly dataQualityIssueIds: readonly string[];
  readonly figures: readonly Figure[];
  /** Peer buildings compared with (ids), when the rule ranks against peers. */
  readonly peerIds: readonly string[];
}

/** An estimated saving per year; `amount` null when the action saves no energy by itself. */
export interface EstimatedSaving {
  readonly amount: number | null;
  readonly unit: string;
  readonly per: 'year';
  /** How the amount was estimated, from the figures in the evidence. */
  readonly method: string;
}

export interface Recommendation {
  readonly ruleId: RuleId;
  readonly title: string;
  /** What the evidence says, from the figures (the rule's template, never free text). */
  readonly finding: string;
  /** What to do, from the rule's fixed text. */
  readonly action: string;
  readonly severity: Level;
  readonly confidence: Level;
  readonly estimatedSaving: EstimatedSaving;
  readonly evidence: Evidence;
}

/** A meter's hourly consumption over the window (hour starts ascending). */
export interface MeterHours {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly hours: readonly { readonly start: Date; readonly value: number }[];
}

/** A meter's daily windows over the window, for stuck-value runs. */
export interface MeterDays {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly days: readonly {
    readonly start: Date;
    readonly end: Date;
    readonly min: number;
    readonly max: number;
    readonly count: number;
  }[];
}

/** What every rule reads: one building's read-model rows over one window, and its peers' profiles. */
export interface RecommendationContext {
  readonly building: {
    readonly buildingId: string;
    readonly primaryUse: string;
    readonly floorAreaM2: number | null;
    readonly timezone: string;
    readonly stationId: string | null;
  };
  readonly from: Date;
  readonly to: Date;
  readonly meterHours: readonly MeterHours[];
  readonly meterDays: readonly MeterDays[];
  /** Electricity (kWh) hour-of-week profile of the building; undefined without such data. */
  readonly profile: WeeklyProfile | undefined;
  /** The same profiles of the other buildings of its primary use (within the caller's tenant). */
  readonly peerProfiles: readonly WeeklyProfile[];
  readonly stuckIssues: readonly {
    readonly eventId: string;
    readonly meterId: string;
    readonly occurredAt: Date;
  }[];
  readonly anomalies: readonly {
    readonly eventId: string;
    readonly meterId: string;
    readonly readingAt: Date;
    readonly score: number;
  }[];
  /** Outdoor temperature (°C) of the building's station by hour start (epoch ms). */
  readonly temperatures: ReadonlyMap<number, number>;
}

/** One rule: an id, its thresholds as named figures (listed by the docs), and a pure evaluation. */
export interface RecommendationRule {
  readonly id: RuleId;
  readonly title: string;
  /** Each threshold with what it means. */
  readonly thresholds: Readonly<Record<string, { readonly value: number; readonly meaning: string }>>;
  evaluate(context: RecommendationContext): Recommendation[];
}
