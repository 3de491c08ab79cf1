import type { SchedulerLike } from 'rxjs';
import { EaioError } from '../../infra/errors/index.ts';
import type { WindowSize } from '../../schemas/index.ts';
import { WINDOW_SIZES } from '../../schemas/index.ts';
import type { AggregationScope } from './window-math.ts';

/** Default time a closed window's summary is kept for full-statement corrections: 7 days of event time. */
export const DEFAULT_CORRECTION_HORIZON_MS = 7 * 24 * 60 * 60_000;

/** The source of every aggregate this processor emits. */
export const AGGREGATE_SOURCE = 'eaio.processors.windows';

/** Options of the event-time aggregation; every duration is event time except `idleFlushMs`. */
export interface AggregateWindowsOptions {
  /** Window sizes to aggregate over; non-empty. */
  readonly windowSizes: readonly WindowSize[];
  /** Aggregate per meter, per (building, meterKind, unit), or both. */
  readonly scope: AggregationScope | 'both';
  /** Out-of-order allowance: watermark = largest event time seen − maxOutOfOrderMs. */
  readonly maxOutOfOrderMs: number;
  /** How long past its end (in watermark time) a window still takes late readings into its full state. */
  readonly allowedLatenessMs: number;
  /**
   * How long past `windowEnd + allowedLatenessMs` a per-window summary (revision, sum, count, min, max)
   * is kept, so a later reading still yields a full corrected statement; after it only deltas are
   * possible. Default {@link DEFAULT_CORRECTION_HORIZON_MS}.
   */
  readonly correctionHorizonMs?: number;
  /**
   * Live mode only: after this long without input (scheduler time), emit open windows the event time
   * has already passed. Unset (the default): no timer, output depends on the input alone.
   */
  readonly idleFlushMs?: number;
  /** Scheduler of the idle flush timer; default `asyncScheduler`. Unused without `idleFlushMs`. */
  readonly scheduler?: SchedulerLike;
}

/** The event-time part of the options, validated, with defaults filled in. */
export interface WindowAggregatorConfig {
  /** Distinct sizes in schema order. */
  readonly windowSizes: readonly WindowSize[];
  /** Distinct scopes, meter first. */
  readonly scopes: readonly AggregationScope[];
  readonly maxOutOfOrderMs: number;
  readonly allowedLatenessMs: number;
  readonly correctionHorizonMs: number;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

function nonNegativeMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative integer of milliseconds, got ${value}`, { [name]: value });
  }
  return value;
}

/** Validates the options once, when the operator is created; throws an `INVALID_ARGUMENT` EaioError. */
export function resolveWindowOptions(options: AggregateWindowsOptions): WindowAggregatorConfig {
  const unknown = options.windowSizes.filter((s) => !WINDOW_SIZES.includes(s));
  if (options.windowSizes.length === 0 || unknown.length > 0) {
    throw invalid(`windowSizes must be a non-empty subset of ${WINDOW_SIZES.join(', ')}`, {
      windowSizes: options.windowSizes,
    });
  }
  if (!['meter', 'building', 'both'].includes(options.scope)) {
    throw invalid(`scope must be 'meter', 'building' or 'both', got ${String(options.scope)}`, {
      scope: options.scope,
    });
  }
  if (options.idleFlushMs !== undefined && nonNegativeMs('idleFlushMs', options.idleFlushMs) === 0) {
    throw invalid('idleFlushMs must be positive when set', { idleFlushMs: options.idleFlushMs });
  }
  return {
    windowSizes: WINDOW_SIZES.filter((s) => options.windowSizes.includes(s)),
    scopes: options.scope === 'both' ? ['meter', 'building'] : [options.scope],
    maxOutOfOrderMs: nonNegativeMs('maxOutOfOrderMs', options.maxOutOfOrderMs),
    allowedLatenessMs: nonNegativeMs('allowedLatenessMs', options.allowedLatenessMs),
    correctionHorizonMs: nonNegativeMs(
      'correctionHorizonMs',
      options.correctionHorizonMs ?? DEFAULT_CORRECTION_HORIZON_MS,
    ),
  };
}
