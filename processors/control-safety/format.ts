import type { ControlUnit } from '../../schemas/index.ts';

// Message formatting for the decision reasons. Messages are read by agents, so every number printed in a
// suggestion must be one the same check accepts when the agent sends it back.

/**
 * A number as messages print it: JavaScript's shortest round-trip form, so a limit or a suggestion read
 * back from a message is exactly the number that was checked.
 */
export function formatNumber(value: number): string {
  return String(value);
}

/** A derived quantity (a difference, a rate times minutes) with binary noise such as 4.000000000000002 hidden. */
export function formatApprox(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : String(value);
}

/** A value with its unit, e.g. `28 degC`. */
export function withUnit(value: number, unit: ControlUnit): string {
  return `${formatNumber(value)} ${unit}`;
}

/** An instant as ISO 8601 UTC; an invalid Date (which `toISOString` would throw on) is named as such. */
export function formatTime(time: Date): string {
  return Number.isNaN(time.getTime()) ? 'an invalid time' : time.toISOString();
}

/** A duration in minutes up to two hours, in hours beyond, e.g. `2.5 min`, `48 h`. */
export function formatDuration(ms: number): string {
  const minutes = ms / 60_000;
  return Math.abs(minutes) < 120
    ? `${formatNumber(Number(minutes.toFixed(2)))} min`
    : `${formatNumber(Number((minutes / 60).toFixed(2)))} h`;
}

/**
 * `bound` rounded to 3 decimals towards the allowed side, for a suggestion. Rounding to the nearest
 * value can land just outside the bound, so the candidate is stepped inwards until `accepts` (the same
 * check that produced the bound) takes it. When the allowed interval is narrower than the steps, the
 * bound itself is suggested, shortened to 12 significant digits if that still passes.
 */
export function suggestedBound(
  bound: number,
  side: 'upper' | 'lower',
  accepts: (value: number) => boolean,
): number {
  const step = side === 'upper' ? -0.001 : 0.001;
  let candidate = Number(bound.toFixed(3));
  for (let i = 0; i < 4; i += 1) {
    if (accepts(candidate)) return candidate;
    candidate = Number((candidate + step).toFixed(3));
  }
  const shortened = Number(bound.toPrecision(12));
  return accepts(shortened) ? shortened : bound;
}

/** "from 20 to 24 degC", "20 degC or more", "24 degC or less": the range a command must fall in. */
export function rangePhrase(min: number | undefined, max: number | undefined, unit: ControlUnit): string {
  if (min !== undefined && max !== undefined) return `from ${formatNumber(min)} to ${withUnit(max, unit)}`;
  if (min !== undefined) return `${withUnit(min, unit)} or more`;
  if (max !== undefined) return `${withUnit(max, unit)} or less`;
  return 'any value';
}
