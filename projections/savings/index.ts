export type { SavingsEstimate, SavingsPeriod, SavingsQuery } from './query-savings.ts';
export { DEFAULT_BASELINE_DAYS, DEFAULT_MIN_BASELINE_WEEKS, querySavings } from './query-savings.ts';
