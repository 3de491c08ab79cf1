/** One sample of a stage's resident set: `atS` seconds into the run. */
export interface RssSample {
  readonly atS: number;
  readonly stage: string;
  readonly bytes: number;
}

/** A stage's resident set over a span of the run, in MiB, and how fast it grew. */
export interface RssTrend {
  readonly samples: number;
  readonly startMiB: number;
  readonly peakMiB: number;
  readonly endMiB: number;
  /** Least-squares slope over the whole span, MiB per minute. */
  readonly slopeMiBPerMin: number;
  /** The same over the span's second half, once the heap has grown to its working size. */
  readonly lateSlopeMiBPerMin: number;
}

const MiB = 2 ** 20;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Least-squares slope of y over x; 0 for fewer than two distinct x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Each stage's RSS trend over the samples in [fromS, toS]; stages with no sample there are left out. */
export function rssTrends(
  samples: readonly RssSample[],
  fromS: number,
  toS: number,
): Record<string, RssTrend> {
  const byStage = new Map<string, RssSample[]>();
  for (const s of samples) {
    if (s.atS < fromS || s.atS > toS) continue;
    const list = byStage.get(s.stage) ?? [];
    list.push(s);
    byStage.set(s.stage, list);
  }
  const middle = (fromS + toS) / 2;
  const perMinute = (list: readonly RssSample[]) =>
    round1(slope(list.map((s) => [s.atS / 60, s.bytes / MiB] as const)));
  const trends: Record<string, RssTrend> = {};
  for (const [stage, list] of byStage) {
    const sorted = [...list].sort((a, b) => a.atS - b.atS);
    trends[stage] = {
      samples: sorted.length,
      startMiB: Math.round((sorted[0] as RssSample).bytes / MiB),
      peakMiB: Math.round(Math.max(...sorted.map((s) => s.bytes)) / MiB),
      endMiB: Math.round((sorted.at(-1) as RssSample).bytes / MiB),
      slopeMiBPerMin: perMinute(sorted),
      lateSlopeMiBPerMin: perMinute(sorted.filter((s) => s.atS >= middle)),
    };
  }
  return trends;
}

/**
 * A table of every stage's RSS (MiB) every `everyS` seconds of [fromS, toS]: the sample nearest each
 * step, for stderr beside the lag table.
 */
export function formatRssTable(
  samples: readonly RssSample[],
  stages: readonly string[],
  fromS: number,
  toS: number,
  everyS: number,
): string {
  const header = ['t(s)', ...stages];
  const rows: string[][] = [];
  for (let t = fromS; t <= toS + 1e-9; t += everyS) {
    const row = [t.toFixed(0)];
    for (const stage of stages) {
      let best: RssSample | undefined;
      for (const s of samples)
        if (s.stage === stage && (best === undefined || Math.abs(s.atS - t) < Math.abs(best.atS - t)))
          best = s;
      row.push(best === undefined ? '-' : String(Math.round(best.bytes / MiB)));
    }
    rows.push(row);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
