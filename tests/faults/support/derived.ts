import { type OperatorFunction, Subject } from 'rxjs';
import type { Platform } from '../../../app/index.ts';
import { readTopicToEnd } from '../../../infra/kafka/index.ts';
import { PROCESSORS, type ProcessorName } from '../../../processors/index.ts';
import type { ReadingAggregate, TopicKey, TopicValue } from '../../../schemas/index.ts';

/** Single-input catalogue processors over readings: those a readings scenario feeds. */
export const READING_STAGES = [
  'readings-by-building',
  'reading-aggregates',
  'building-aggregates',
  'anomalies',
  'data-quality',
] as const satisfies readonly ProcessorName[];

export type ReadingStage = (typeof READING_STAGES)[number];

/** What one derived topic holds against what its processors owe, computed from their input logs. */
export interface DerivedCheck {
  readonly topic: TopicKey;
  /** Events the pure operators yield from the committed input logs. */
  readonly expected: number;
  /** Events on the derived topic (read committed). */
  readonly actual: number;
  /** Expected event ids missing from the topic. */
  readonly lost: number;
  /** Events on the topic beyond one per event id. */
  readonly duplicated: number;
  /** Event ids on the topic that no pure run yields (a replay that drifted from live). */
  readonly unexpected: number;
  /** A few lost events, for a failure message. */
  readonly lostSample: readonly string[];
  /** A few events on the topic more than once, and a few no pure run yields, for a failure message. */
  readonly duplicatedSample: readonly string[];
  readonly unexpectedSample: readonly string[];
}

interface Decoded {
  readonly partition: number;
  readonly offset: string;
  readonly value: unknown;
}

/** A topic's decodable events in partition then offset order; poison is skipped, as the runtime dead-letters it. */
async function decodedEvents(platform: Platform, topic: TopicKey): Promise<Decoded[]> {
  const messages = await readTopicToEnd(platform.kafka, platform.names.topic(topic));
  const out: Decoded[] = [];
  for (const { partition, message } of messages) {
    try {
      out.push({
        partition,
        offset: message.offset,
        value: (await platform.codec.decode(topic, message.value)).value,
      });
    } catch {
      // Poison: no processor feeds it to its operator either.
    }
  }
  return out;
}

/**
 * What a single-input processor owes: its pure operator run over each partition of its input log in
 * order, after the definition's validator, as the runtime runs it (state is partition-local).
 */
async function pureOutputs(platform: Platform, stage: ReadingStage): Promise<unknown[]> {
  const definition = PROCESSORS[stage];
  const inputs = await decodedEvents(platform, definition.input);
  const byPartition = new Map<number, unknown[]>();
  for (const { partition, value } of inputs) {
    let validated: unknown;
    try {
      validated = definition.validate ? definition.validate(value as never) : value;
    } catch {
      continue;
    }
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), validated]);
  }
  const outputs: unknown[] = [];
  for (const events of byPartition.values()) {
    // The catalogue's operators are typed per processor; here they are run over decoded values alike.
    const operator = definition.operator() as unknown as OperatorFunction<unknown, unknown>;
    // Never completed: a completing input would flush the windows still open, which the live
    // processor, whose input never ends, does not emit.
    const input = new Subject<unknown>();
    const subscription = input.pipe(operator).subscribe((o) => outputs.push(o));
    for (const e of events) input.next(e);
    subscription.unsubscribe();
  }
  return outputs;
}

/** The revision a window's delta carries (`processors/windows/stats.ts`). */
const DELTA_REVISION = -1;

const idOf = (event: unknown): string => (event as { eventId: string }).eventId;

/**
 * Compares each derived topic the given stages write with what their pure operators owe: every owed
 * event id present, none twice, none unexpected. Independent of how the live run was broken up by
 * kills and rebalances, which is the point: exactly-once means the same log as an unbroken run.
 */
export async function checkDerivedTopics(
  platform: Platform,
  stages: readonly ReadingStage[],
): Promise<DerivedCheck[]> {
  const byTopic = new Map<TopicKey, ReadingStage[]>();
  for (const stage of stages) {
    const output = PROCESSORS[stage].output;
    byTopic.set(output, [...(byTopic.get(output) ?? []), stage]);
  }
  const checks: DerivedCheck[] = [];
  for (const [topic, writers] of byTopic) {
    const expected = new Map<string, unknown>();
    for (const stage of writers) for (const e of await pureOutputs(platform, stage)) expected.set(idOf(e), e);
    const events = await decodedEvents(platform, topic);
    const actual = events.map((e) => idOf(e.value));
    const counts = new Map<string, number>();
    for (const id of actual) counts.set(id, (counts.get(id) ?? 0) + 1);
    const sample = (keep: (id: string) => boolean) =>
      events
        .filter((e) => keep(idOf(e.value)))
        .slice(0, 6)
        .map((e) => `p${e.partition}@${e.offset} ${JSON.stringify(e.value).slice(0, 600)}`);
    let duplicated = 0;
    for (const n of counts.values()) duplicated += n - 1;
    checks.push({
      topic,
      expected: expected.size,
      actual: actual.length,
      lost: [...expected.keys()].filter((id) => !counts.has(id)).length,
      lostSample: [...expected]
        .filter(([id]) => !counts.has(id))
        .slice(0, 3)
        .map(([, e]) => JSON.stringify(e).slice(0, 400)),
      duplicated,
      unexpected: [...counts.keys()].filter((id) => !expected.has(id)).length,
      // Each of a few duplicated ids with where every copy sits: far apart means a range redone.
      duplicatedSample: [...counts]
        .filter(([, n]) => n > 1)
        .slice(0, 4)
        .map(([id]) => {
          const copies = events.filter((e) => idOf(e.value) === id);
          return `${copies.map((e) => `p${e.partition}@${e.offset}`).join(',')} ${JSON.stringify(copies[0]?.value).slice(0, 400)}`;
        }),
      unexpectedSample: sample((id) => !expected.has(id)),
    });
  }
  return checks;
}

/** What the read models fed by processors hold against their derived topics. */
export interface DerivedTablesCheck {
  /** Anomaly and data-quality events on their topics missing from their tables. */
  readonly anomaliesMissing: number;
  readonly issuesMissing: number;
  /** Rollup windows whose stored count differs from the latest revision on the aggregates topic. */
  readonly rollupsWrong: number;
  readonly rollupWindows: number;
  /** A few wrong windows (key, stored count, latest revision's count), for a failure message. */
  readonly rollupSample: readonly string[];
}

const windowKey = (a: {
  buildingId: string;
  meterId?: string | null;
  meterKind: string;
  unit: string;
  windowSize: string;
  windowStart: Date;
}): string =>
  [a.buildingId, a.meterId ?? '', a.meterKind, a.unit, a.windowSize, a.windowStart.toISOString()].join('|');

/**
 * The processors' read models against their topics: every anomaly and issue stored (their tables are
 * keyed by event id, so a duplicate cannot be a second row), every rollup window holding the count
 * of its latest revision (a lost or doubled input would change the count).
 */
export async function checkDerivedTables(platform: Platform): Promise<DerivedTablesCheck> {
  const ids = async (table: string) =>
    new Set(
      (await platform.pool.query<{ event_id: string }>(`SELECT event_id FROM ${table}`)).rows.map(
        (r) => r.event_id,
      ),
    );
  const anomalies = await ids('anomalies');
  const issues = await ids('data_quality_issues');
  const anomalyEvents = await decodedEvents(platform, 'anomalies');
  const issueEvents = await decodedEvents(platform, 'dataQualityIssues');
  // A window's count: its highest-revision statement plus every delta (a reading past the window's
  // lateness, revision -1), as the rollups projection folds them.
  const latest = new Map<string, ReadingAggregate>();
  const deltas = new Map<string, number>();
  for (const { value } of await decodedEvents(platform, 'readingAggregates')) {
    const a = value as TopicValue<'readingAggregates'>;
    const k = windowKey(a);
    if (a.revision === DELTA_REVISION) {
      deltas.set(k, (deltas.get(k) ?? 0) + a.count);
      continue;
    }
    const seen = latest.get(k);
    if (seen === undefined || a.revision >= seen.revision) latest.set(k, a);
  }
  const owed = (k: string, a: ReadingAggregate): number => a.count + (deltas.get(k) ?? 0);
  const { rows } = await platform.pool.query<{
    building_id: string;
    meter_id: string;
    meter_kind: string;
    unit: string;
    window_size: string;
    window_start: Date;
    count: number;
  }>('SELECT building_id, meter_id, meter_kind, unit, window_size, window_start, count FROM rollups');
  const stored = new Map(
    rows.map((r) => [
      windowKey({
        buildingId: r.building_id,
        meterId: r.meter_id,
        meterKind: r.meter_kind,
        unit: r.unit,
        windowSize: r.window_size,
        windowStart: r.window_start,
      }),
      r.count,
    ]),
  );
  const wrong = [...latest].filter(([k, a]) => stored.get(k) !== owed(k, a));
  return {
    anomaliesMissing: anomalyEvents.filter((e) => !anomalies.has(idOf(e.value))).length,
    issuesMissing: issueEvents.filter((e) => !issues.has(idOf(e.value))).length,
    rollupsWrong: wrong.length,
    rollupWindows: latest.size,
    rollupSample: wrong.slice(0, 3).map(([k, a]) => `${k} stored=${stored.get(k)} owed=${owed(k, a)}`),
  };
}
