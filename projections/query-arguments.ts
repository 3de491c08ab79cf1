import { EaioError } from '../infra/errors/index.ts';

/** Bucket sizes of consumption answers, each served by the rollup of the same size. */
export const BUCKETS = { '15m': 'rollups_15m', '1h': 'rollups_1h', '1d': 'rollups_1d' } as const;
/** A bucket size of consumption answers: `15m`, `1h` or `1d`. */
export type Bucket = keyof typeof BUCKETS;

const BUCKET_MS: Record<Bucket, number> = { '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };

/** At most this many buckets per answer: a year of days, a month of hours, a few days of quarters. */
export const MAX_BUCKETS = 800;

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/** A half-open event-time range `[from, to)`. */
export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * An as-of bound on a time-series query: only events with event time up to `asOf` count. Answers
 * from rollups count a bucket only when it ends at or before `asOf` (a bucket still open then is left
 * out whole, never summed in part); event rows (anomalies, data-quality issues, readings) count when
 * their event time is at or before it. Absent: everything the read model holds.
 */
export interface AsOf {
  readonly asOf?: Date;
}

/** Checks an as-of bound before it reaches SQL. */
export function checkAsOf(query: AsOf): void {
  if (query.asOf !== undefined && !Number.isFinite(query.asOf.getTime())) {
    throw invalid('asOf must be a valid timestamp', { asOf: query.asOf });
  }
}

/**
 * Checks a range before it reaches SQL, with a message a caller (or an agent) can act on: the
 * range must be non-empty and, when a bucket is given, small enough in buckets.
 */
export function checkRange(range: TimeRange, bucket?: Bucket): void {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    throw invalid('from and to must be valid timestamps', { from: range.from, to: range.to });
  }
  if (to <= from) {
    throw invalid(`the range is empty: to (${range.to.toISOString()}) must be after from`, {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
    });
  }
  if (bucket !== undefined) {
    const buckets = Math.ceil((to - from) / BUCKET_MS[bucket]);
    if (buckets > MAX_BUCKETS) {
      const coarser = bucket === '15m' ? '1h' : '1d';
      throw invalid(
        `${buckets} buckets of ${bucket} exceed the limit of ${MAX_BUCKETS}: narrow the range or use bucket '${coarser}'`,
        { buckets, bucket },
      );
    }
  }
}
