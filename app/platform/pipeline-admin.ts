import type { Admin, IHeaders } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { createConsumerLagReader, readTopicToEnd, type WatchedGroup } from '../../infra/kafka/index.ts';
import type {
  ConsumerGroupStatus,
  DeadLetterRecord,
  PipelineAdmin,
  PipelineTopic,
  RedriveOutcome,
} from '../../mcp-adapter/index.ts';
import { PROCESSORS, type ProcessorName, redriveDeadLetters } from '../../processors/index.ts';
import { TOPICS, type TopicKey } from '../../schemas/index.ts';
import { headerText, letterId } from '../../stream-runtime/index.ts';
import type { Platform } from './connect-platform.ts';
import { projectorGroup } from './observe-platform.ts';

/** The audit record's `source` of re-drives asked for through the MCP adapter. */
export const MCP_REDRIVE_SOURCE = 'eaio-mcp';

const LETTER_ID = /^(.+)\/(\d+)\/(\d+)$/;

/** JSON-safe copy of a decoded event: dates as ISO text, bigints as text, bytes as base64. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      if (raw instanceof Date) return raw.toISOString();
      if (Buffer.isBuffer(raw)) return raw.toString('base64');
      return typeof v === 'bigint' ? v.toString() : v;
    }),
  );
}

function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const text = headerText(headers, name);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/** The consumer groups the platform runs: the projector's and each catalogue processor's. */
function platformGroups(platform: Platform): (WatchedGroup & { consumer: string })[] {
  const processors = (Object.keys(PROCESSORS) as ProcessorName[]).map((name) => {
    const definition = PROCESSORS[name];
    const inputs: readonly TopicKey[] = 'inputs' in definition ? definition.inputs : [definition.input];
    return {
      groupId: `${platform.names.prefix}${name}`,
      consumer: `processor:${name}`,
      topics: inputs.map((k) => platform.names.topic(k)),
    };
  });
  return [{ ...projectorGroup(platform), consumer: 'projector' }, ...processors];
}

async function withAdmin<T>(platform: Platform, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The catalogue key of a dead-letter topic, or undefined. */
function keyOfDeadLetterTopic(platform: Platform, topic: string): TopicKey | undefined {
  return (Object.keys(TOPICS) as TopicKey[]).find((k) => platform.names.deadLetter(k) === topic);
}

/**
 * The MCP adapter's {@link PipelineAdmin} over the platform's Kafka client and codec: a short-lived
 * admin client per call (these are rare admin questions), and re-drives through the one
 * `redriveDeadLetters` the CLI uses, audited with the caller as actor and `eaio-mcp` as source.
 */
export function createPlatformPipelineAdmin(platform: Platform): PipelineAdmin {
  const keys = Object.keys(TOPICS) as TopicKey[];
  return {
    topics: () =>
      withAdmin(platform, async (admin) => {
        const wanted = keys.flatMap((key) => [
          { key, topic: platform.names.topic(key), deadLetter: false },
          { key, topic: platform.names.deadLetter(key), deadLetter: true },
        ]);
        return Promise.all(
          wanted.map(
            async (t): Promise<PipelineTopic> => ({
              ...t,
              partitions: (await admin.fetchTopicOffsets(t.topic))
                .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
                .sort((a, b) => a.partition - b.partition),
            }),
          ),
        );
      }),

    consumerGroups: () =>
      withAdmin(platform, async (admin) => {
        const groups = platformGroups(platform);
        const described = await admin.describeGroups(groups.map((g) => g.groupId));
        const lags = await createConsumerLagReader({ admin, groups, cacheMs: 0, timeoutMs: 10_000 }).read();
        return groups.map((g): ConsumerGroupStatus => {
          const description = described.groups.find((d) => d.groupId === g.groupId);
          const mine = lags.filter((l) => l.group === g.groupId);
          return {
            groupId: g.groupId,
            consumer: g.consumer,
            state: description?.state ?? 'Unknown',
            members: description?.members.length ?? 0,
            topics: (g.topics ?? []).map((topic) => {
              const partitions = mine
                .filter((l) => l.topic === topic)
                .map((l) => ({
                  partition: l.partition,
                  committed: l.committed?.toString() ?? null,
                  high: l.high.toString(),
                  lag: l.lag.toString(),
                }));
              return {
                topic,
                lag: partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n).toString(),
                partitions,
              };
            }),
          };
        });
      }),

    async deadLetterRecord(id): Promise<DeadLetterRecord | undefined> {
      const match = LETTER_ID.exec(id);
      if (match === null) return undefined;
      const [, topic = '', partition = '', offset = ''] = match;
      const key = keyOfDeadLetterTopic(platform, topic);
      if (key === undefined) return undefined;
      const found = (await readTopicToEnd(platform.kafka, topic)).find(
        (m) => m.partition === Number(partition) && m.message.offset === offset,
      );
      if (found === undefined) return undefined;
      const { value, key: messageKey, headers } = found.message;
      const record: DeadLetterRecord = {
        letterId: letterId({ dlqTopic: topic, partition: found.partition, offset }),
        headers: headersAsText(headers),
        key: messageKey?.toString('utf8') ?? null,
        valueBytes: value?.length ?? 0,
        valueBase64: value?.toString('base64') ?? null,
      };
      try {
        const decoded = await platform.codec.decode(key, value);
        return { ...record, decoded: jsonSafe(decoded.value) };
      } catch (error) {
        return { ...record, decodeError: error instanceof Error ? error.message : String(error) };
      }
    },

    async redrive({ letterIds, actor, dryRun }): Promise<RedriveOutcome> {
      const byKey = new Map<TopicKey, string[]>();
      for (const id of letterIds) {
        const match = LETTER_ID.exec(id);
        const key = match === null ? undefined : keyOfDeadLetterTopic(platform, match[1] ?? '');
        if (match === null || key === undefined) {
          throw new EaioError(
            'INVALID_ARGUMENT',
            'permanent',
            `'${id}' is not a dead letter of this platform's dead-letter topics`,
          );
        }
        byKey.set(key, [...(byKey.get(key) ?? []), match[3] ?? '']);
      }
      const redriven: string[] = [];
      const skipped: string[] = [];
      let sent = 0;
      for (const [key, offsets] of byKey) {
        const report = await redriveDeadLetters(platform, {
          key,
          select: offsets,
          actor,
          source: MCP_REDRIVE_SOURCE,
          dryRun,
        });
        redriven.push(...report.redriven.map(letterId));
        skipped.push(...report.skipped.map(letterId));
        sent += report.sent;
      }
      return { redriven, skipped, sent };
    },
  };
}
