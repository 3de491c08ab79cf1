import { setTimeout as delay } from 'node:timers/promises';
import { concatMap, defer, finalize, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishReadings } from '../../sources/index.ts';
import { kafkaBatches } from '../../stream-runtime/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

describe('backpressure: a slow sink holds the consumer instead of filling memory', () => {
  let platform: TestPlatform;
  let subscription: Subscription | undefined;
  const readings = hourlyReadings('Office_Cristina', 12, 400);

  beforeAll(async () => {
    platform = await createTestPlatform('backpressure');
    const deps = await platform.feedDeps();
    for (let i = 0; i < readings.length; i += 1_000)
      await publishReadings(deps, readings.slice(i, i + 1_000));
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await platform?.dispose();
  });

  it('never has more than one un-acknowledged batch per consumer, and commits only what was acknowledged', async () => {
    const consumer = platform.kafka.consumer({
      groupId: `${platform.names.prefix}slow`,
      maxBytesPerPartition: 16_384,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    let inFlight = 0;
    let maxInFlight = 0;
    let maxHeldMessages = 0;
    let acknowledged = 0;
    subscription = kafkaBatches(consumer, { topics: [platform.names.topic('sensorReadings')] })
      .pipe(
        concatMap((batch) =>
          defer(async () => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            maxHeldMessages = Math.max(maxHeldMessages, batch.messages.length);
            // The deliberately slow sink of this test: 20 ms per batch.
            await delay(20);
            acknowledged += batch.messages.length;
            inFlight -= 1;
            batch.ack();
          }),
        ),
        finalize(() => void consumer.disconnect()),
      )
      .subscribe();

    await waitFor(
      'every reading acknowledged',
      async () => (acknowledged >= readings.length ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    );
    expect(acknowledged).toBe(readings.length);
    expect(maxInFlight).toBe(1);
    // What is held is one fetched batch (maxBytesPerPartition, rounded up to whole record batches as
    // the producer wrote them: at most one 1,000-message send), never the backlog of 4,800.
    expect(maxHeldMessages).toBeLessThanOrEqual(1_000);
    expect(maxHeldMessages).toBeLessThan(readings.length / 4);
    const admin = platform.kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({
      groupId: `${platform.names.prefix}slow`,
      topics: [platform.names.topic('sensorReadings')],
    });
    await admin.disconnect();
    const total = (committed[0]?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
    expect(total).toBe(readings.length);
  });
});
