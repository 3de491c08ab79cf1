import type { MeterKind, ReadingUnit, WindowSize } from '../../schemas/index.ts';
import { WINDOW_SIZES } from '../../schemas/index.ts';

/** Length of each window size in milliseconds. */
export const WINDOW_SIZE_MS: Readonly<Record<WindowSize, number>> = {
  PT15M: 15 * 60_000,
  PT1H: 60 * 60_000,
  P1D: 24 * 60 * 60_000,
};

/** What an aggregate is keyed by: one meter, or all meters of one kind and unit in a building. */
export type AggregationScope = 'meter' | 'building';

/** Scopes in output order: at equal windowEnd and size, meter aggregates come before building ones. */
export const AGGREGATION_SCOPES = ['meter', 'building'] as const satisfies readonly AggregationScope[];

/**
 * Identity of one window of one key. `key` is the meterId (meter scope) or the buildingId (building
 * scope); meterKind and unit are part of the identity in both scopes so different units are never
 * summed and two aggregates never share an event id.
 */
export interface WindowKey {
  readonly scope: AggregationScope;
  readonly key: string;
  readonly buildingId: string;
  /** The meter for meter scope; null for building scope. */
  readonly meterId: string | null;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly windowSize: WindowSize;
  /** Epoch ms, inclusive. */
  readonly windowStart: number;
  /** Epoch ms, exclusive. */
  readonly windowEnd: number;
}

/**
 * Start of the tumbling window of `size` holding event time `t` (epoch ms). Windows are aligned to
 * the Unix epoch, which is UTC midnight and has no leap seconds in JS time, so PT15M and PT1H windows
 * start on UTC quarter hours and hours and P1D windows at UTC midnight. Floor division keeps times
 * before 1970 in the right window too.
 */
export function windowStartOf(t: number, size: WindowSize): number {
  const ms = WINDOW_SIZE_MS[size];
  return Math.floor(t / ms) * ms;
}

/** The windows (one per size, in schema order) that contain event time `t`: `[start, end)`. */
export function windowsOf(
  t: number,
  sizes: readonly WindowSize[],
): { readonly windowSize: WindowSize; readonly windowStart: number; readonly windowEnd: number }[] {
  return sizes.map((windowSize) => {
    const windowStart = windowStartOf(t, windowSize);
    return { windowSize, windowStart, windowEnd: windowStart + WINDOW_SIZE_MS[windowSize] };
  });
}

/**
 * The watermark after seeing an event at `t`: the largest event time seen minus the out-of-order
 * allowance. It never moves back, so an old event cannot reopen a window.
 */
export function nextWatermark(
  current: { readonly maxEventTime: number; readonly watermark: number },
  t: number,
  maxOutOfOrderMs: number,
): { readonly maxEventTime: number; readonly watermark: number } {
  const maxEventTime = Math.max(current.maxEventTime, t);
  return { maxEventTime, watermark: Math.max(current.watermark, maxEventTime - maxOutOfOrderMs) };
}

/** Code-unit order, not localeCompare: the order must not depend on the machine's locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Output order: windowEnd, then window size (PT15M, PT1H, P1D), then scope, key, meterKind, unit. */
export function compareWindowKeys(a: WindowKey, b: WindowKey): number {
  return (
    a.windowEnd - b.windowEnd ||
    WINDOW_SIZES.indexOf(a.windowSize) - WINDOW_SIZES.indexOf(b.windowSize) ||
    AGGREGATION_SCOPES.indexOf(a.scope) - AGGREGATION_SCOPES.indexOf(b.scope) ||
    compareStrings(a.key, b.key) ||
    compareStrings(a.meterKind, b.meterKind) ||
    compareStrings(a.unit, b.unit)
  );
}

/** A string identifying the window of `k` (everything but the revision), for maps. */
export function windowIdOf(k: WindowKey): string {
  return [k.scope, k.key, k.meterKind, k.unit, k.windowSize, k.windowStart].join('\u001f');
}
