import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { createKafka } from '../../infra/kafka/index.ts';
import { ensureTopics, TOPICS, type TopicKey, topicNames } from '../../schemas/index.ts';
import { waitFor } from '../support/wait-for.ts';

describe('ensureTopics against the real broker', () => {
  const kafka = createKafka({ brokers: inject('endpoints').kafkaBrokers, clientId: 'eaio-test' });
  const admin = kafka.admin();
  const prefix = `test.topics_${randomBytes(3).toString('hex')}.`;
  const names = topicNames(prefix);
  const all = (Object.keys(TOPICS) as TopicKey[]).flatMap((k) => [names.topic(k), names.deadLetter(k)]);

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates every catalogue topic and dead-letter topic, then finds them all the second time', async () => {
    const first = await ensureTopics(admin, names);
    expect([...first.created].sort()).toEqual([...all].sort());
    const second = await ensureTopics(admin, names);
    expect(second.created).toEqual([]);
    expect([...second.existing].sort()).toEqual([...all].sort());
    const metadata = await admin.fetchTopicMetadata({ topics: [names.topic('sensorReadings')] });
    expect(metadata.topics[0]?.partitions).toHaveLength(TOPICS.sensorReadings.partitions);
  });

  it('refuses to go on when an existing topic disagrees with the catalogue, naming topic and setting', async () => {
    const other = topicNames(`${prefix}bad.`);
    const wrong = other.topic('buildings');
    all.push(...(Object.keys(TOPICS) as TopicKey[]).flatMap((k) => [other.topic(k), other.deadLetter(k)]));
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        { topic: wrong, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] },
      ],
    });
    // The broker's metadata cache learns of a new topic a moment after the controller does.
    await waitFor('the wrong topic in the metadata', async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [wrong] });
      return topics[0]?.partitions.length === 1 ? true : undefined;
    });
    const error = await ensureTopics(admin, other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EaioError);
    expect((error as EaioError).message).toContain(`${wrong} has 1 partitions, the catalog plans 3`);
    expect((error as EaioError).message).toContain(
      `${wrong} has cleanup.policy=delete, the catalog says compact`,
    );
  });
});
