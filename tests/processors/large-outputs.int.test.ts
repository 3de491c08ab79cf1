import { map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessorDefinition, runProcessor } from '../../processors/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** 2 KB of evidence per output, all on one key: one input batch's outputs are far above the broker's 1 MiB. */
const PADDING = 'x'.repeat(2_000);

const amplifier: ProcessorDefinition<'sensorReadings', 'dataQualityIssues'> = {
  name: 'large-outputs',
  input: 'sensorReadings',
  output: 'dataQualityIssues',
  operator: () =>
    map((reading) => ({
      eventId: derivedEventId('large-outputs', reading.eventId),
      occurredAt: reading.occurredAt,
      source: 'test',
      buildingId: reading.buildingId,
      meterId: reading.meterId,
      issueKind: 'spike',
      readingAt: reading.occurredAt,
      evidence: { padding: PADDING },
      severity: 'info',
    })),
  outputKey: () => 'one-partition',
};

describe('a processor whose outputs for one input batch exceed the broker message limit', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await createTestPlatform('large_outputs');
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it('commits them in size-bounded sends inside one transaction, every output once', async () => {
    const readings = hourlyReadings('Office_Big', 4, 400);
    await publishReadings(await platform.feedDeps(), readings);
    const running = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, amplifier);
    try {
      const outputs = await platform.readAll(platform.names.topic('dataQualityIssues'), readings.length);
      const ids = await Promise.all(
        outputs.map(async (m) => (await platform.codec.decode('dataQualityIssues', m.value)).value.eventId),
      );
      expect(new Set(ids).size).toBe(readings.length);
      expect(ids.length).toBe(readings.length);
      // Far more than the broker takes in one record batch, so it went out in several sends.
      expect(outputs.reduce((n, m) => n + (m.value?.length ?? 0), 0)).toBeGreaterThan(3 * 1024 * 1024);
    } finally {
      await running.stop();
    }
  });
});
