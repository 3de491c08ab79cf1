import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { dataQualityProcessor, readingAggregatesProcessor, runProcessor } from '../../processors/index.ts';
import type { ReadingAggregate } from '../../schemas/index.ts';
import { chunkedPublisher, hourlyReadings } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const METERS = 12;
const HOURS = 120;

/** Resolves once the group has committed every offset of the topic (it has processed the whole log). */
async function caughtUp(platform: TestPlatform, groupId: string, topic: string): Promise<void> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `${groupId} caught up on ${topic}`,
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = ends.every(
          (e) =>
            committed?.partitions.find((p) => p.partition === e.partition)?.offset === e.high ||
            e.high === '0',
        );
        return done ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
  } finally {
    await admin.disconnect();
  }
}

async function aggregates(platform: TestPlatform): Promise<ReadingAggregate[]> {
  const messages = await readTopicToEnd(platform.kafka, platform.names.topic('readingAggregates'));
  return Promise.all(
    messages.map(async (m) => (await platform.codec.decode('readingAggregates', m.message.value)).value),
  );
}

const fingerprint = (a: ReadingAggregate): string => JSON.stringify(a);

describe('processor runtime: a pure operator run exactly-once between topics', () => {
  let platform: TestPlatform;
  // In time order across meters, as live sensors report: the watermark is per partition, so a
  // meter backfilled after its partition's watermark moved on would come out as corrections.
  const readings = hourlyReadings('UnivClass_Clifford', METERS, HOURS).sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
  );
  const deps = () => ({ ...platform, sessionTimeoutMs: 6_000 });
  let first: ReadingAggregate[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform('runtime');
    await chunkedPublisher(await platform.feedDeps(), readings, 1_000)(readings.length);
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('derives per-meter window aggregates exactly: each closed hour holds its one reading', async () => {
    const running = await runProcessor(deps(), readingAggregatesProcessor);
    await caughtUp(platform, running.groupId, platform.names.topic('sensorReadings'));
    await running.stop();
    first = await aggregates(platform);
    const hourly = first.filter((a) => a.windowSize === 'PT1H' && a.revision === 0);
    // The watermark is the latest hour minus 1 h, so every hour but the last two has closed.
    expect(hourly).toHaveLength(METERS * (HOURS - 2));
    const byKey = new Map(readings.map((r) => [`${r.meterId}@${r.occurredAt.toISOString()}`, r.value]));
    for (const a of hourly) {
      expect(a.count).toBe(1);
      expect(a.sum).toBe(byKey.get(`${a.meterId}@${a.windowStart.toISOString()}`));
    }
    const daily = first.filter((a) => a.windowSize === 'P1D' && a.revision === 0);
    expect(daily.every((a) => a.count === 24)).toBe(true);
    expect(new Set(first.map((a) => a.eventId)).size).toBe(first.length);
  });

  it('replaying the log yields the identical derived events', async () => {
    const replay = await runProcessor(deps(), {
      ...readingAggregatesProcessor,
      name: 'reading-aggregates-replay',
    });
    await caughtUp(platform, replay.groupId, platform.names.topic('sensorReadings'));
    await replay.stop();
    const all = await aggregates(platform);
    expect(all).toHaveLength(2 * first.length);
    const count = (list: ReadingAggregate[]) => {
      const m = new Map<string, number>();
      for (const a of list) m.set(fingerprint(a), (m.get(fingerprint(a)) ?? 0) + 1);
      return m;
    };
    const doubled = new Map([...count(first)].map(([k, n]) => [k, 2 * n]));
    expect(count(all)).toEqual(doubled);
  });
});

describe('the data-quality processor on the real broker', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await createTestPlatform('runtime_dq');
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('publishes a stuck-value issue for a 30 h flatline and a duplicate issue for a resent reading', async () => {
    const flat = hourlyReadings('Office_Cristina', 1, 30).map((r) => ({
      ...r,
      meterId: 'flat-meter',
      value: 5,
    }));
    const resent = { ...(flat[3] as (typeof flat)[number]), eventId: randomUUID(), value: 6 };
    await chunkedPublisher(await platform.feedDeps(), [...flat, resent])(flat.length + 1);
    const running = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, dataQualityProcessor);
    await caughtUp(platform, running.groupId, platform.names.topic('sensorReadings'));
    await running.stop();
    const issues = await Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic('dataQualityIssues'))).map(
        async (m) => (await platform.codec.decode('dataQualityIssues', m.message.value)).value,
      ),
    );
    expect(issues.map((i) => [i.meterId, i.issueKind])).toEqual(
      expect.arrayContaining([
        ['flat-meter', 'stuck_value'],
        ['flat-meter', 'duplicate'],
      ]),
    );
    expect(issues.filter((i) => i.issueKind === 'stuck_value')).toHaveLength(1);
  });
});

describe('processor runtime across a SIGKILL: outputs committed exactly once', () => {
  let platform: TestPlatform;
  const running: EaioProcess[] = [];
  const readings = hourlyReadings('Office_Ellie', 30, 150).sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
  );

  beforeAll(async () => {
    platform = await createTestPlatform('runtime_kill');
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await platform?.dispose();
  });

  it('has no duplicate and no missing aggregate after a kill mid-stream and a restart', async () => {
    const produce = chunkedPublisher(await platform.feedDeps(), readings, 500);
    const groupId = `${platform.names.prefix}${readingAggregatesProcessor.name}`;
    const input = platform.names.topic('sensorReadings');
    await produce(readings.length / 3);
    const first = spawnEaio(['process', readingAggregatesProcessor.name], platform.childEnv);
    running.push(first);
    const admin = platform.kafka.admin();
    await admin.connect();
    await waitFor(
      'a first committed batch',
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [input] });
        return committed?.partitions.some((p) => Number(p.offset) > 0) ? true : undefined;
      },
      { timeoutMs: 90_000 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${first.stderr()}`);
    });
    await admin.disconnect();
    await first.kill();
    await produce(readings.length);

    const second = spawnEaio(['process', readingAggregatesProcessor.name], platform.childEnv);
    running.push(second);
    await caughtUp(platform, groupId, input);
    const out = await aggregates(platform);
    expect(new Set(out.map((a) => a.eventId)).size).toBe(out.length);
    const hourly = out.filter((a) => a.windowSize === 'PT1H' && a.revision === 0);
    expect(hourly).toHaveLength(30 * (150 - 2));
    const daily = out.filter((a) => a.windowSize === 'P1D' && a.revision === 0);
    expect(daily.length).toBeGreaterThan(0);
    expect(daily.every((a) => a.count === 24 && !a.isCorrection)).toBe(true);
  });
});
