import type {
  AnomalyView,
  ConsumptionBucket,
  DataQualityIssueView,
  WeatherHour,
} from '../../projections/index.ts';

/** What the building chart draws: hourly consumption per meter kind against the temperature, with marks. */
export interface BuildingSeries {
  readonly buildingId: string;
  readonly from: string;
  readonly to: string;
  /** Hour starts, seconds since the epoch (uPlot's x values). */
  readonly x: readonly number[];
  readonly series: readonly { readonly label: string; readonly values: readonly (number | null)[] }[];
  /** °C per hour, or null when the building has no station or the caller may not read weather. */
  readonly temperature: readonly (number | null)[] | null;
  readonly anomalies: readonly {
    readonly t: number;
    readonly meterId: string;
    readonly score: number;
    readonly observed: number;
  }[];
  readonly issues: readonly {
    readonly t: number;
    readonly meterId: string;
    readonly kind: string;
    readonly severity: string;
  }[];
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Lays the query answers out on one hourly time axis. */
export function buildingSeries(
  buildingId: string,
  range: { readonly from: Date; readonly to: Date },
  buckets: readonly ConsumptionBucket[],
  weather: readonly WeatherHour[] | undefined,
  anomalies: readonly AnomalyView[],
  issues: readonly DataQualityIssueView[],
): BuildingSeries {
  const hours = new Set<number>();
  for (const b of buckets) hours.add(seconds(b.start));
  for (const w of weather ?? []) hours.add(seconds(w.hourStart));
  const x = [...hours].sort((a, b) => a - b);
  const at = new Map(x.map((t, i) => [t, i]));
  const byKind = new Map<string, (number | null)[]>();
  for (const b of buckets) {
    const label = `${b.meterKind} (${b.unit})`;
    const values = byKind.get(label) ?? x.map(() => null);
    const i = at.get(seconds(b.start));
    if (i !== undefined) values[i] = b.total;
    byKind.set(label, values);
  }
  let temperature: (number | null)[] | null = null;
  if (weather !== undefined) {
    temperature = x.map(() => null);
    for (const w of weather) {
      const i = at.get(seconds(w.hourStart));
      if (i !== undefined) temperature[i] = w.temperatureC;
    }
  }
  return {
    buildingId,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    x,
    series: [...byKind].map(([label, values]) => ({ label, values })),
    temperature,
    anomalies: anomalies.map((a) => ({
      t: seconds(a.readingAt),
      meterId: a.meterId,
      score: a.score,
      observed: a.observedValue,
    })),
    issues: issues.map((i) => ({
      t: seconds(i.readingAt ?? i.occurredAt),
      meterId: i.meterId,
      kind: i.issueKind,
      severity: i.severity,
    })),
  };
}
