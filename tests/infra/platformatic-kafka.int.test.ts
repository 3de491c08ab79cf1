import { randomBytes } from 'node:crypto';
import {
  Admin,
  Consumer,
  compatibilityPartitioner,
  defaultPartitioner,
  FetchIsolationLevels,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  type ProducerOptions,
  stringDeserializers,
} from '@platformatic/kafka';
import { type Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka, readTopicToEnd } from '../../infra/kafka/index.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * What the platform would rely on if it moved from kafkajs to @platformatic/kafka (issue 13), each
 * checked against the real broker, with kafkajs (today's client) as the independent reader.
 * docs/kafka-client.md records what these found.
 */
describe('@platformatic/kafka as the platform would use it', () => {
  const PARTITIONS = 6;
  const brokers = inject('endpoints').kafkaBrokers;
  const id = randomBytes(3).toString('hex');
  const prefix = `test.kclient_${id}.`;
  const created: string[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  let admin: Admin;
  let kafkajs: Kafka;

  const topic = async (name: string): Promise<string> => {
    const full = `${prefix}${name}`;
    await admin.createTopics({ topics: [full], partitions: PARTITIONS, replicas: 1 });
    created.push(full);
    return full;
  };
  const producer = (options: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Producer => {
    const p = new Producer({
      clientId: `kclient-${id}`,
      bootstrapBrokers: brokers,
      idempotent: true,
      partitioner: compatibilityPartitioner,
      ...options,
    });
    closers.push(() => p.close(true));
    return p;
  };
  const consumer = (groupId: string, readCommitted = true): Consumer => {
    const c = new Consumer({
      clientId: `kclient-${id}`,
      bootstrapBrokers: brokers,
      groupId: `${prefix}${groupId}`,
      maxWaitTime: 100,
      // The broker's minimum: a member that leaves without a word is replaced within seconds.
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      isolationLevel: readCommitted
        ? FetchIsolationLevels.READ_COMMITTED
        : FetchIsolationLevels.READ_UNCOMMITTED,
    });
    closers.push(() => c.close(true));
    return c;
  };
  const consumeFromStart = (
    c: Consumer,
    topics: string[],
  ): Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> =>
    c.consume({
      topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
  const message = (t: string, key: string, value: string) => ({
    topic: t,
    key: Buffer.from(key),
    value: Buffer.from(value),
  });
  const committedValues = async (t: string): Promise<string[]> =>
    (await readTopicToEnd(kafkajs, t)).map((m) => String(m.message.value));
  const highWaterMarks = async (t: string): Promise<Map<number, string>> => {
    const a = kafkajs.admin();
    await a.connect();
    try {
      return new Map((await a.fetchTopicOffsets(t)).map((p) => [p.partition, p.high]));
    } finally {
      await a.disconnect();
    }
  };

  /**
   * The processors' exactly-once loop: per `batch` consumed messages one transaction with their
   * transforms (value + '!') and the consumed offsets. `crashAfter` transactions in, the next batch
   * is sent but never committed and the loop returns, as a process killed mid-transaction.
   */
  const transformInTransactions = async (
    c: Consumer,
    p: Producer,
    options: { input: string; output: string; batch: number; count: number; crashAfter?: number },
  ): Promise<number> => {
    const stream = await consumeFromStart(c, [options.input]);
    let pending: Message[] = [];
    let done = 0;
    let transactions = 0;
    for await (const m of stream) {
      pending.push(m);
      if (pending.length < options.batch && done + pending.length < options.count) continue;
      const lastOfPartition = new Map(pending.map((x) => [x.partition, x]));
      const transaction = await p.beginTransaction();
      await transaction.send({
        messages: pending.map((x) => ({
          topic: options.output,
          key: x.key,
          value: Buffer.from(`${x.value}!`),
        })),
      });
      await transaction.addConsumer(c);
      for (const last of lastOfPartition.values()) await transaction.addOffset(last);
      if (transactions === options.crashAfter) break;
      await transaction.commit();
      transactions += 1;
      done += pending.length;
      pending = [];
      if (done >= options.count) break;
    }
    await stream.close();
    return done;
  };

  beforeAll(() => {
    admin = new Admin({ clientId: `kclient-${id}`, bootstrapBrokers: brokers });
    kafkajs = createKafka({ brokers, clientId: `kclient-${id}` });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    const groups = await admin.listGroups().catch(() => new Map());
    const ours = [...groups.keys()].filter((g: string) => g.startsWith(prefix));
    if (ours.length > 0) await admin.deleteGroups({ groups: ours }).catch(() => undefined);
    await admin?.close();
  });

  it('reads, transforms and writes exactly once: every output once, offsets committed in the transactions', async () => {
    const input = await topic('eos.in');
    const output = await topic('eos.out');
    const inputs = Array.from({ length: 300 }, (_, i) => `r${i}`);
    await producer().send({ messages: inputs.map((v, i) => message(input, `meter-${i % 30}`, v)) });

    await transformInTransactions(consumer('eos'), producer({ transactionalId: `${prefix}eos.tx` }), {
      input,
      output,
      batch: 100,
      count: inputs.length,
    });

    expect((await committedValues(output)).sort()).toEqual(inputs.map((v) => `${v}!`).sort());
    const a = kafkajs.admin();
    await a.connect();
    try {
      const [committed] = await a.fetchOffsets({ groupId: `${prefix}eos`, topics: [input] });
      const ends = await highWaterMarks(input);
      expect(new Map(committed?.partitions.map((x) => [x.partition, x.offset]))).toEqual(ends);
    } finally {
      await a.disconnect();
    }
  });

  it('resumes after a member dies mid-transaction: its successor redoes the open batch, nothing twice', async () => {
    const input = await topic('crash.in');
    const output = await topic('crash.out');
    const inputs = Array.from({ length: 300 }, (_, i) => `r${i}`);
    await producer().send({ messages: inputs.map((v, i) => message(input, `meter-${i % 30}`, v)) });
    const txId = `${prefix}crash.tx`;
    const fresh = { transactionalId: txId, producerId: -1n, producerEpoch: -1 };

    const dead = consumer('crash');
    const deadProducer = producer(fresh);
    const before = await transformInTransactions(dead, deadProducer, {
      input,
      output,
      batch: 100,
      count: inputs.length,
      crashAfter: 1,
    });
    expect(before).toBe(100);
    // The dead member's partitions go to the successor; its transaction stays open (no abort) until the
    // successor's InitProducerId, made before it consumes, aborts it: the consumed offsets of that
    // pending transaction would otherwise hold the successor's offset fetch until the broker's timeout.
    await dead.close(true);
    const successorProducer = producer(fresh);
    await (await successorProducer.beginTransaction()).cancel();
    const successor = consumer('crash');
    const after = await transformInTransactions(successor, successorProducer, {
      input,
      output,
      batch: 100,
      count: inputs.length - before,
    });
    expect(after).toBe(200);
    expect((await committedValues(output)).sort()).toEqual(inputs.map((v) => `${v}!`).sort());
  });

  it('hides an aborted transaction from read_committed readers while its records still take offsets', async () => {
    const t = await topic('abort');
    const p = producer({ transactionalId: `${prefix}abort.tx` });
    const aborted = await p.beginTransaction();
    await aborted.send({ messages: Array.from({ length: 10 }, (_, i) => message(t, 'k', `aborted-${i}`)) });
    await aborted.abort();
    const kept = await p.beginTransaction();
    await kept.send({ messages: Array.from({ length: 5 }, (_, i) => message(t, 'k', `kept-${i}`)) });
    await kept.commit();

    expect((await committedValues(t)).sort()).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3', 'kept-4']);
    // One partition (one key): 10 aborted records, 1 abort marker, 5 committed, 1 commit marker.
    expect([...(await highWaterMarks(t)).values()].map(Number).reduce((x, y) => x + y, 0)).toBe(17);
  });

  it('commits a transaction that carries only consumed offsets, and one that carries nothing', async () => {
    const t = await topic('offsets-only');
    await producer().send({ messages: [message(t, 'k', 'v')] });
    const c = consumer('offsets-only');
    const stream = await consumeFromStart(c, [t]);
    const [first] = await stream.take(1).toArray();
    const p = producer({ transactionalId: `${prefix}offsets-only.tx` });
    const offsetsOnly = await p.beginTransaction();
    await offsetsOnly.addConsumer(c);
    await offsetsOnly.addOffset(first as Message);
    await offsetsOnly.commit();
    const empty = await p.beginTransaction();
    await empty.commit();
    expect(offsetsOnly.completed && empty.completed).toBe(true);
    await stream.close();
  });

  describe('a transactional id used again after its producer is gone (a restarted processor)', () => {
    it('is refused as PRODUCER_FENCED with the library defaults (it sends producer id 0, epoch 0, not -1/-1)', async () => {
      const t = await topic('restart.defaults');
      const txId = `${prefix}restart.defaults.tx`;
      const first = producer({ transactionalId: txId });
      const tx = await first.beginTransaction();
      await tx.send({ messages: [message(t, 'k', 'first')] });
      await tx.commit();
      await first.close();

      const restarted = producer({ transactionalId: txId });
      const error = await restarted.beginTransaction().then(
        () => undefined,
        (e: unknown) => e,
      );
      // 90 is PRODUCER_FENCED. On a busy broker the first InitProducerId can meet a retriable error
      // (the previous transaction's markers still being written); the client then retries and wraps
      // every attempt's error, so the answer that ends the call is the last one.
      expect(finalAttemptError(error)).toMatchObject({
        code: 'PLT_KFK_RESPONSE',
        response: { errorCode: 90 },
      });
    });

    it('commits when the producer asks for a fresh id (producerId -1n, producerEpoch -1)', async () => {
      const t = await topic('restart.fresh');
      const txId = `${prefix}restart.fresh.tx`;
      const fresh = { transactionalId: txId, producerId: -1n, producerEpoch: -1 };
      const first = producer(fresh);
      const tx = await first.beginTransaction();
      await tx.send({ messages: [message(t, 'k', 'first')] });
      await tx.commit();
      await first.close();

      const restarted = producer(fresh);
      const again = await restarted.beginTransaction();
      await again.send({ messages: [message(t, 'k', 'second')] });
      await again.commit();
      // The commit's markers can land after commit() resolves; wait for them rather than read once.
      await waitFor('both commits readable', async () =>
        (await committedValues(t)).length >= 2 ? true : undefined,
      );
      expect(await committedValues(t)).toEqual(['first', 'second']);
    });

    it("fences a zombie: the old producer's open transaction is aborted and its commit refused", async () => {
      const t = await topic('zombie');
      const txId = `${prefix}zombie.tx`;
      const fresh = { transactionalId: txId, producerId: -1n, producerEpoch: -1 };
      const zombie = producer(fresh);
      const open = await zombie.beginTransaction();
      await open.send({ messages: [message(t, 'k', 'zombie')] });

      const successor = producer(fresh);
      const tx = await successor.beginTransaction();
      await tx.send({ messages: [message(t, 'k', 'successor')] });
      await tx.commit();

      await expect(open.commit()).rejects.toThrow();
      expect(await committedValues(t)).toEqual(['successor']);
    });
  });

  it('puts every key on the partition kafkajs and the Java client choose, with compatibilityPartitioner only', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `Office_${i >> 2}:m${i}`);
    const javaCompatible = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const kafkajsPartition = (key: string) =>
      javaCompatible({ topic: 't', partitionMetadata, message: { key, value: null } });
    const mismatches = (partitioner: typeof defaultPartitioner) =>
      keys.filter((k) => {
        const b = Buffer.from(k);
        return partitioner({ topic: 't', key: b, value: b }, b) % PARTITIONS !== kafkajsPartition(k);
      }).length;
    expect(mismatches(compatibilityPartitioner)).toBe(0);
    // Its default uses murmur2 >>> 0 where Java masks the sign bit: every negative hash can move.
    expect(mismatches(defaultPartitioner)).toBe(479);

    // And on the wire: what the broker stored for each key, written by the library.
    const t = await topic('partitioner');
    await producer().send({ messages: keys.map((k) => message(t, k, k)) });
    const stored = await readTopicToEnd(kafkajs, t);
    expect(stored).toHaveLength(keys.length);
    for (const s of stored) expect(s.partition).toBe(kafkajsPartition(String(s.message.key)));
  });

  it('round-trips headers, which come back as a Map keyed by Buffer unless header deserializers are set', async () => {
    const t = await topic('headers');
    const headers = new Map([
      [Buffer.from('eaio-source-offset'), Buffer.from('42')],
      [Buffer.from('traceparent'), Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')],
    ]);
    await producer().send({ messages: [{ ...message(t, 'k', 'v'), headers }] });

    const raw = consumer('headers.raw');
    const rawStream = await consumeFromStart(raw, [t]);
    const [got] = await rawStream.take(1).toArray();
    await rawStream.close();
    expect(got?.headers.get(Buffer.from('traceparent'))).toBeUndefined();
    expect(Object.fromEntries([...(got?.headers ?? [])].map(([k, v]) => [String(k), String(v)]))).toEqual({
      'eaio-source-offset': '42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });

    const typed = new Consumer({
      clientId: `kclient-${id}`,
      bootstrapBrokers: brokers,
      groupId: `${prefix}headers.typed`,
      maxWaitTime: 100,
      deserializers: {
        headerKey: stringDeserializers.headerKey,
        headerValue: stringDeserializers.headerValue,
      },
    });
    closers.push(() => typed.close(true));
    const typedStream = await typed.consume({
      topics: [t],
      mode: MessagesStreamModes.EARLIEST,
      autocommit: false,
    });
    const [typedMessage] = await typedStream.take(1).toArray();
    await typedStream.close();
    expect(typedMessage?.headers.get('eaio-source-offset')).toBe('42');

    const [fromKafkajs] = await readTopicToEnd(kafkajs, t);
    expect(String(fromKafkajs?.message.headers?.['eaio-source-offset'])).toBe('42');
  });

  it('shares partitions between two group members and hands them all back when one leaves', async () => {
    const t = await topic('rebalance');
    const owned = (c: Consumer) =>
      new Set((c.assignments ?? []).filter((a) => a.topic === t).flatMap((a) => a.partitions));
    // Per member: each value received and the partition it came from.
    const seen = new Map<string, Map<string, number>>([
      ['a', new Map()],
      ['b', new Map()],
    ]);
    const collect = (name: string, stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>) =>
      stream.on('data', (m: Message) => seen.get(name)?.set(String(m.value), m.partition));
    const batch = (tag: string) =>
      Array.from({ length: 60 }, (_, i) => message(t, `meter-${i}`, `${tag}-${i}`));
    const p = producer();
    await p.send({ messages: batch('before') });

    const a = consumer('rebalance', false);
    collect('a', await consumeFromStart(a, [t]));
    await waitFor('a owns every partition', async () => (owned(a).size === PARTITIONS ? true : undefined));

    const b = consumer('rebalance', false);
    collect('b', await consumeFromStart(b, [t]));
    await waitFor('a and b share the partitions', async () => {
      const [ofA, ofB] = [owned(a), owned(b)];
      const disjoint = [...ofA].every((x) => !ofB.has(x));
      return ofA.size > 0 && ofB.size > 0 && disjoint && ofA.size + ofB.size === PARTITIONS
        ? true
        : undefined;
    });
    const owners = new Map([
      ['a', owned(a)],
      ['b', owned(b)],
    ]);
    await p.send({ messages: batch('shared') });
    // Each message sent while the two share the group reaches the member that owns its partition.
    const byOwner = (value: string) =>
      [...owners].find(([name, partitions]) => {
        const partition = seen.get(name)?.get(value);
        return partition !== undefined && partitions.has(partition);
      })?.[0];
    const owner = await waitFor('every shared message reaches its partition owner', async () => {
      const found = batch('shared').map((m) => byOwner(String(m.value)));
      return found.every((x) => x !== undefined) ? found : undefined;
    });
    expect(new Set(owner)).toEqual(new Set(['a', 'b']));

    await b.close(true);
    await waitFor('a owns every partition again', async () =>
      owned(a).size === PARTITIONS ? true : undefined,
    );
    await p.send({ messages: batch('after') });
    await waitFor('a receives everything sent after b left', async () =>
      batch('after').every((m) => seen.get('a')?.has(String(m.value))) ? true : undefined,
    );
  });
});

/** The error that ended a call: @platformatic/kafka wraps the errors of every retried attempt. */
function finalAttemptError(error: unknown): unknown {
  const retried =
    error instanceof AggregateError &&
    (error as { code?: unknown }).code === 'PLT_KFK_MULTIPLE' &&
    /failed \d+ times/.test(error.message);
  return retried ? error.errors.at(-1) : error;
}
