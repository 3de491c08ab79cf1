import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetection, scoreDetections, syntheticLoad } from '../../processors/anomalies/index.ts';
import { ANOMALY_METHOD, anomaliesProcessor } from '../../processors/index.ts';
import { type AnomalyDetected, derivedEventId, type SensorReading } from '../../schemas/index.ts';
import { multiset, readEvents, runToEnd } from '../support/processor-runs.ts';
import { chunkedPublisher } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const WEEKS = 7;
const METERS = 2;

const byMeterAndHour = (a: AnomalyDetected, b: AnomalyDetected): number =>
  (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0) ||
  a.readingAt.getTime() - b.readingAt.getTime();

describe('anomalies on the broker: weeks of office load with injected faults', () => {
  let platform: TestPlatform;
  // Seven weeks from 2024-01-01 end before either DST change, so the catalogue processor's UTC
  // hour-of-week slots see the same weekly shape as the buildings' local ones.
  const load = syntheticLoad({ weeks: WEEKS, meters: METERS, seed: 3 });
  // The generator's ids name the meter and hour; events on the log carry UUIDs.
  const readings: SensorReading[] = load.readings.map((r) => ({
    ...r,
    eventId: derivedEventId('anomalies-int-test-reading', r.eventId),
  }));
  const injectedHours = load.labels.reduce((n, l) => n + (l.to - l.from) / 3_600_000 + 1, 0);
  let first: AnomalyDetected[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform('anomalies');
    await chunkedPublisher(await platform.feedDeps(), readings, 500)(readings.length);
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('flags every injected anomaly, a bounded number of hours, exactly as the pure detector does', async () => {
    await runToEnd(platform, anomaliesProcessor);
    const events = await readEvents(platform, 'anomalies');
    first = events.map((e) => e.value);
    expect(events.every((e) => e.key === e.value.meterId)).toBe(true);
    expect(first.every((a) => a.method === ANOMALY_METHOD)).toBe(true);

    // Per-meter state, so partitioning does not matter: the same events as the operator alone.
    expect([...first].sort(byMeterAndHour)).toEqual(runDetection(readings).sort(byMeterAndHour));

    const score = scoreDetections(first, load.labels, METERS * (WEEKS - 4));
    expect(load.labels).toHaveLength(METERS * 5);
    // Recall: every injected spike, drop, night plateau and level shift has a detection inside it.
    expect(score.hits).toBe(score.injected);
    // Bounded: no more detections than injected hours, and almost all of them inside an injection.
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(injectedHours);
    expect(score.falsePositives).toBeLessThanOrEqual(2);
    expect(new Set(first.map((a) => a.eventId)).size).toBe(first.length);
  });

  it('a second run from scratch yields the identical anomalies', async () => {
    await runToEnd(platform, { ...anomaliesProcessor, name: 'anomalies-replay' });
    const all = (await readEvents(platform, 'anomalies')).map((e) => e.value);
    expect(all).toHaveLength(2 * first.length);
    expect(multiset(all)).toEqual(new Map([...multiset(first)].map(([k, n]) => [k, 2 * n])));
  });
});
