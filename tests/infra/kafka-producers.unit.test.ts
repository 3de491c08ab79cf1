import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createProducer } from '../../infra/kafka/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Every folder of product code (tests may build producers of their own to break things on purpose). */
const PRODUCT = [
  'app',
  'benchmarks',
  'infra',
  'mcp-adapter',
  'processors',
  'projections',
  'schemas',
  'sources',
  'stream-runtime',
];
const FACTORY = 'infra/kafka/create-producer.ts';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/**
 * A kafkajs producer being made: `producer(` with arguments, or called on something named after
 * Kafka (`kafka.producer()`, `deps.kafka.producer(...)`). The platform's own `producer()` getter,
 * which hands out the factory's producer, takes no arguments and is not on a Kafka client.
 */
const MAKES_PRODUCER = /(\w*kafka\w*\s*\)?\s*\.\s*producer\s*\(|\.\s*producer\s*\(\s*[^)\s])/i;

const kafka = () =>
  new Kafka({ clientId: 'producer-test', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });

describe('every kafkajs producer the product creates', () => {
  it('is made by createProducer, nowhere else', async () => {
    const offenders: string[] = [];
    for (const dir of PRODUCT) {
      for (const file of await sourceFiles(dir)) {
        if (file === FACTORY) continue;
        const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n');
        lines.forEach((line, i) => {
          if (MAKES_PRODUCER.test(line) && !line.trimStart().startsWith('*'))
            offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders, 'create producers with createProducer from infra/kafka').toEqual([]);
  });

  it('the pattern catches the ways a producer is made', () => {
    for (const made of [
      'const p = kafka.producer({ idempotent: false });',
      'const p = deps.kafka.producer();',
      'const p = client.producer({ transactionalId });',
      '(await kafkaClient()).producer({})',
    ])
      expect(MAKES_PRODUCER.test(made), made).toBe(true);
    for (const used of ['await platform.producer()', 'const p = await deps.producer();', 'producer() {'])
      expect(MAKES_PRODUCER.test(used), used).toBe(false);
  });

  it('is idempotent, so kafkajs refuses any send that does not wait for every in-sync replica', async () => {
    // No broker needed: kafkajs checks acks before it connects anywhere.
    for (const options of [{}, { transactionalId: 'producer-test', allowAutoTopicCreation: false }]) {
      const producer = createProducer(kafka(), options);
      for (const acks of [0, 1]) {
        await expect(producer.send({ topic: 't', acks, messages: [{ value: 'x' }] })).rejects.toThrow(
          /Not requiring ack for all messages invalidates the idempotent producer/,
        );
        await expect(
          producer.sendBatch({ acks, topicMessages: [{ topic: 't', messages: [{ value: 'x' }] }] }),
        ).rejects.toThrow(/idempotent/);
      }
    }
  });

  it('cannot be made non-idempotent or with more requests in flight, even by a caller that tries', async () => {
    // A caller bypassing the types (a JS file, a cast) still gets the guarantees: the factory sets them last.
    const sneaky = { idempotent: false, maxInFlightRequests: 5 } as unknown as Parameters<
      typeof createProducer
    >[1];
    const producer = createProducer(kafka(), sneaky);
    await expect(producer.send({ topic: 't', acks: 1, messages: [{ value: 'x' }] })).rejects.toThrow(
      /idempotent/,
    );
  });
});
