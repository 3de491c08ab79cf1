import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { listDeadLetters, REDRIVE_ACTION, redriveDeadLetters } from '../../processors/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { createDeadLetterPublisher, type DeadLetterEntry } from '../../stream-runtime/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

describe('dead letters: list, show and re-drive once', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  const outOfRange: SensorReading = {
    ...(hourlyReadings('Office_Ellie', 1, 1)[0] as SensorReading),
    eventId: randomUUID(),
    value: -1,
  };

  const letters = (count: number): Promise<DeadLetterEntry[]> =>
    waitFor(`${count} dead letters`, async () => {
      const found = await listDeadLetters(platform, 'sensorReadings');
      return found.length === count ? found : undefined;
    });

  beforeAll(async () => {
    platform = await createTestPlatform('redrive');
    const deps = await platform.feedDeps();
    await deps.producer.send({
      topic: platform.names.topic('sensorReadings'),
      messages: [
        {
          key: outOfRange.meterId,
          value: await platform.codec.encode('sensorReadings', outOfRange),
          headers: { origin: 'gw-7' },
        },
        { key: 'm-raw', value: Buffer.from('not avro') },
      ],
    });
    projector = await runProjector(platform);
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('lists each letter with its reason and source position, and the CLI shows the same', async () => {
    const found = await letters(2);
    expect(found.map((l) => [l.errorCode, l.stage, l.attempts])).toEqual(
      expect.arrayContaining([
        ['EVENT_OUT_OF_RANGE', 'validate', 1],
        ['SCHEMA_FRAMING', 'decode', 1],
      ]),
    );
    const cli = spawnEaio(['dlq', 'list', '--topic', 'sensor-readings'], platform.childEnv);
    expect(await cli.exited()).toBe(0);
    expect(cli.stdout()).toContain('EVENT_OUT_OF_RANGE');
    expect(cli.stdout()).toContain('2 failed record(s), 2 dead letter(s).');
    expect(cli.stdout()).toContain('refused by projector');
  });

  it('re-drives a letter once: it fails again and its new letter continues the history', async () => {
    const [first] = (await letters(2)).filter((l) => l.errorCode === 'EVENT_OUT_OF_RANGE');
    if (first === undefined) throw new Error('no out-of-range letter');
    const report = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: [first.offset],
      actor: 'test:redrive',
    });
    expect(report.redriven.map((l) => l.offset)).toEqual([first.offset]);

    const again = (await letters(3)).find(
      (l) => l.offset !== first.offset && l.errorCode === 'EVENT_OUT_OF_RANGE',
    );
    expect(again?.attempts).toBe(2);
    expect(again?.firstFailedAt).toBe(first.firstFailedAt);
    expect(again?.originalHeaders.origin?.toString()).toBe('gw-7');
    expect(again?.value).toEqual(first.value);

    const second = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: [first.offset],
      actor: 'test:redrive',
    });
    expect(second.redriven).toEqual([]);
    expect(second.skipped.map((l) => l.offset)).toEqual([first.offset]);

    const audit = await Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic('auditLog'))).map(
        async (m) => (await platform.codec.decode('auditLog', m.message.value)).value,
      ),
    );
    expect(audit.filter((a) => a.action === REDRIVE_ACTION).map((a) => [a.actor, a.target])).toEqual([
      ['test:redrive', `${platform.names.deadLetter('sensorReadings')}/0/${first.offset}`],
    ]);
  });

  it('re-drives an event several consumers dead-lettered once, recording every letter of it', async () => {
    const found = await letters(3);
    const framing = found.find((l) => l.errorCode === 'SCHEMA_FRAMING');
    if (framing === undefined) throw new Error('no framing letter');
    // A processor reading the same topic gives up on the same event: a second letter, same source position.
    await createDeadLetterPublisher(await platform.producer()).publish(
      platform.names.deadLetter('sensorReadings'),
      [
        {
          sourceTopic: framing.sourceTopic,
          sourcePartition: framing.sourcePartition,
          message: {
            key: framing.key,
            value: framing.value,
            headers: {},
            offset: framing.sourceOffset,
            timestamp: '0',
            attributes: 0,
          },
          error: new Error('framing'),
          stage: 'process:anomalies',
          attempts: 1,
        },
      ],
    );
    const all = await letters(4);
    const sourceTopic = platform.names.topic('sensorReadings');
    const before = (await readTopicToEnd(platform.kafka, sourceTopic)).length;

    const report = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: 'all',
      actor: 'test:all',
    });

    const pending = all.filter(
      (l) => l.attempts === 2 || l.errorCode === 'SCHEMA_FRAMING' || l.stage === 'process:anomalies',
    );
    expect(report.redriven.map((l) => l.offset).sort()).toEqual(pending.map((l) => l.offset).sort());
    expect(report.redriven).toHaveLength(3);
    const positions = new Set(report.redriven.map((l) => `${l.sourcePartition}/${l.sourceOffset}`));
    expect(positions.size).toBe(2);
    // Two events back on the source topic, not three.
    expect((await readTopicToEnd(platform.kafka, sourceTopic)).length).toBe(before + 2);
    const again = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: 'all',
      actor: 'test:all',
    });
    expect(again.redriven.filter((l) => positions.has(`${l.sourcePartition}/${l.sourceOffset}`))).toEqual([]);
  });

  it('refuses offsets that hold no dead letter, saying how to find them', async () => {
    await expect(
      redriveDeadLetters(platform, { key: 'sensorReadings', select: ['999'], actor: 'test:redrive' }),
    ).rejects.toThrow(/No dead letter at offset\(s\) 999 .*eaio dlq list/);
  });
});
