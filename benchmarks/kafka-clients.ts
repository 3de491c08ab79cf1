import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { EaioConfig } from '../infra/config/index.ts';
import { createKafka, waitForTopics } from '../infra/kafka/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { createEventCodec, TOPICS, topicNames } from '../schemas/index.ts';
import type { ClientUnderTest } from './kafka-clients/client-under-test.ts';
import { encodedReadings, retaggedReading } from './kafka-clients/encoded-readings.ts';
import { kafkajsClient } from './kafka-clients/kafkajs-client.ts';
import { platformaticClient, SHORT_RETRY_DELAY } from './kafka-clients/platformatic-client.ts';

type Phase = 'produce' | 'consume' | 'transactional';
const PHASES: readonly Phase[] = ['produce', 'consume', 'transactional'];

/** At most this many events go through the transactional path with the library's default retry. */
const DEFAULT_RETRY_EVENTS = 5_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/**
 * kafkajs 2.2.4 against @platformatic/kafka on the same Avro-encoded readings, each on its own
 * topics in the same run: raw idempotent produce, raw group consume, and the processors'
 * read_committed consume-transform-produce with the offsets committed in the transaction. The
 * clients take turns (the order flips each repetition) and the medians and their ratios are printed.
 */
export async function kafkaClientsBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<Record<string, number | string>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '50000' },
      batch: { type: 'string', default: '500' },
      repetitions: { type: 'string', default: '1' },
    },
  });
  const events = Number(values.events);
  const batch = Number(values.batch);
  const repetitions = Number(values.repetitions);
  const id = randomBytes(3).toString('hex');
  const prefix = `${config.kafka.topicPrefix}bench.${id}.`;
  const partitions = TOPICS.sensorReadings.partitions;
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `bench-${id}` });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  const groups: string[] = [];
  const topic = async (name: string): Promise<string> => {
    const full = `${prefix}${name}`;
    created.push(full);
    // kafkajs's waitForLeaders gives up on a KRaft broker's brief UNKNOWN_TOPIC_OR_PARTITION (a 200k run died of it).
    await admin.createTopics({ topics: [{ topic: full, numPartitions: partitions }] });
    await waitForTopics(admin, [{ topic: full, partitions }]);
    return full;
  };
  try {
    const codec = createEventCodec({ registryUrl: endpoints.registryUrl, names: topicNames(prefix) });
    await codec.registerAll();
    const messages = await encodedReadings(codec, events);
    const transform = retaggedReading(codec);
    const clients: ClientUnderTest[] = [
      kafkajsClient(kafka),
      platformaticClient({ brokers: endpoints.kafkaBrokers, retryDelay: SHORT_RETRY_DELAY, retries: 20 }),
    ];
    const rates = new Map<string, number[]>();
    const record = (client: string, phase: Phase, ms: number) => {
      const key = `${client}.${phase}`;
      rates.set(key, [...(rates.get(key) ?? []), Math.round((events / ms) * 1000)]);
    };
    const timed = async (work: () => Promise<void>): Promise<number> => {
      const start = performance.now();
      await work();
      return performance.now() - start;
    };

    for (let rep = 0; rep < repetitions; rep++) {
      for (const client of rep % 2 === 0 ? clients : [...clients].reverse()) {
        const run = `${client.name}.${rep}`;
        const input = await topic(`${run}.in`);
        const output = await topic(`${run}.out`);
        const consumeGroup = `${prefix}${run}.consume`;
        const transformGroup = `${prefix}${run}.transform`;
        groups.push(consumeGroup, transformGroup);
        record(client.name, 'produce', await timed(() => client.produce(input, messages, batch)));
        record(client.name, 'consume', await timed(() => client.consume(input, consumeGroup, events)));
        const ms = await timed(() =>
          client.transform({
            input,
            output,
            groupId: transformGroup,
            transactionalId: `${prefix}${run}.tx`,
            count: events,
            batch,
            transform,
          }),
        );
        record(client.name, 'transactional', ms);
      }
    }

    // The library's own retry (flat 1 s) on a bounded slice: the figure that made tuning necessary.
    const slice = Math.min(events, DEFAULT_RETRY_EVENTS);
    const defaults = platformaticClient({ brokers: endpoints.kafkaBrokers });
    const sliceIn = await topic('default-retry.in');
    const sliceOut = await topic('default-retry.out');
    await defaults.produce(sliceIn, messages.slice(0, slice), batch);
    groups.push(`${prefix}default-retry`);
    const defaultRetryMs = await timed(() =>
      defaults.transform({
        input: sliceIn,
        output: sliceOut,
        groupId: `${prefix}default-retry`,
        transactionalId: `${prefix}default-retry.tx`,
        count: slice,
        batch,
        transform,
      }),
    );

    const figures: Record<string, number | string> = { events, batch, repetitions, partitions };
    for (const phase of PHASES) {
      const k = median(rates.get(`kafkajs.${phase}`) ?? []);
      const p = median(rates.get(`platformatic.${phase}`) ?? []);
      figures[`kafkajs_${phase}_per_s`] = k;
      figures[`platformatic_${phase}_per_s`] = p;
      figures[`${phase}_platformatic_vs_kafkajs`] = ratio(p, k);
    }
    // Each client's transactional path against its own raw consume of the same run (the ceiling).
    for (const name of ['kafkajs', 'platformatic']) {
      figures[`${name}_transactional_vs_own_consume`] = ratio(
        median(rates.get(`${name}.transactional`) ?? []),
        median(rates.get(`${name}.consume`) ?? []),
      );
    }
    figures.platformatic_default_retry_events = slice;
    figures.platformatic_default_retry_transactional_per_s = Math.round((slice / defaultRetryMs) * 1000);
    figures.default_retry_vs_kafkajs_transactional = ratio(
      figures.platformatic_default_retry_transactional_per_s,
      median(rates.get('kafkajs.transactional') ?? []),
    );
    return figures;
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
}
