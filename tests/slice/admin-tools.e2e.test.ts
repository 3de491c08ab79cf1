import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPlatformPipelineAdmin,
  MCP_REDRIVE_SOURCE,
  type RunningProcessors,
  type RunningProjector,
  rebuildNamedProjection,
  runDeadLetterIndex,
  runProcessors,
  runProjector,
} from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import {
  createMcpServerFactory,
  type McpReads,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { REDRIVE_ACTION } from '../../processors/index.ts';
import { createQueryLayer, type RunningDeadLetterIndex } from '../../projections/index.ts';
import type { OperationRecorded, SensorReading } from '../../schemas/index.ts';
import { createDeadLetterPublisher, deadLetterOf } from '../../stream-runtime/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { connectWithToken, type TestAuth, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** Readings produced while the consumers are stopped. */
const LATER_READINGS = 5;

interface Entry {
  id: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  consumers: string[];
  errorCodes: string[];
  redriven: boolean;
  refusals: { letterId: string; consumer: string; errorCode: string; errorMessage: string }[];
}

describe('the admin tools end to end: poison events -> dead letters -> MCP over Streamable HTTP -> re-drive', () => {
  let platform: TestPlatform;
  let projector: RunningProjector | undefined;
  let processors: RunningProcessors | undefined;
  let index: RunningDeadLetterIndex;
  let mcp: RunningMcpHttpServer;
  let auth: TestAuth;
  let client: Client;
  let reads: McpReads;
  const valid = hourlyReadings('Office_Admin', 2, 4);
  const outOfRange: SensorReading = { ...(valid[0] as SensorReading), eventId: randomUUID(), value: -7 };
  const notAvro = Buffer.from('not avro at all');
  /** Where each poison event landed: `partition/offset`. */
  const poisonAt: Record<'framing' | 'range', { partition: number; offset: string }> = {
    framing: { partition: -1, offset: '' },
    range: { partition: -1, offset: '' },
  };
  const CONSUMERS = ['processor:anomalies', 'projector'];

  async function call(name: string, args: Record<string, unknown>, on: Client = client) {
    const result = await on.callTool({ name, arguments: args });
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
    return {
      isError: result.isError === true,
      text,
      structured: result.structuredContent as Record<string, unknown>,
    };
  }

  const readingsTopic = () => platform.names.topic('sensorReadings');
  const sourceCount = async () => (await readTopicToEnd(platform.kafka, readingsTopic())).length;

  async function send(key: string, value: Buffer): Promise<{ partition: number; offset: string }> {
    const producer = await platform.producer();
    const [meta] = await producer.send({ topic: readingsTopic(), acks: -1, messages: [{ key, value }] });
    if (meta === undefined) throw new Error('no record metadata');
    return { partition: meta.partition, offset: meta.baseOffset ?? '' };
  }

  async function sendReadings(readings: readonly SensorReading[]): Promise<void> {
    const producer = await platform.producer();
    await producer.send({
      topic: readingsTopic(),
      acks: -1,
      messages: await Promise.all(
        readings.map(async (r) => ({
          key: r.meterId,
          value: await platform.codec.encode('sensorReadings', r),
        })),
      ),
    });
  }

  const startConsumers = async () => {
    projector = await runProjector(platform);
    processors = await runProcessors(platform, { processors: ['anomalies'] });
  };
  const stopConsumers = async () => {
    await projector?.stop();
    await processors?.stop();
    projector = undefined;
    processors = undefined;
  };

  /** The entries list_dead_letters gives once both poison records were refused by both consumers. */
  const refusedByBoth = (args: Record<string, unknown> = {}) =>
    waitFor(
      'both poison records refused by both consumers and indexed',
      async () => {
        const { structured } = await call(TOOL_NAMES.listDeadLetters, args);
        const entries = structured.entries as Entry[];
        return entries.length === 2 && entries.every((e) => e.consumers.length === 2) ? entries : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

  beforeAll(async () => {
    platform = await createTestPlatform('admin_tools');
    await sendReadings(valid);
    poisonAt.framing = await send('poison-meter', notAvro);
    poisonAt.range = await send(
      outOfRange.meterId,
      await platform.codec.encode('sensorReadings', outOfRange),
    );
    await startConsumers();
    index = await runDeadLetterIndex(platform);
    reads = { ...createQueryLayer(platform), pipeline: createPlatformPipelineAdmin(platform) };
    auth = await testAuth();
    // One server, as deployed: each caller is who its bearer token says.
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: auth.auth,
      factory: createMcpServerFactory(reads),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await auth.token({ sub: 'ops-admin' }), 'eaio-admin-tools');
  }, 240_000);

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await index?.stop();
    await stopConsumers();
    await platform?.dispose();
  });

  it('get_pipeline_status: a stopped consumer lags by exactly what was produced after it stopped', async () => {
    // Caught up first: every consumer of the readings has passed everything produced so far.
    await waitFor(
      'projector, anomalies and the readings read model caught up',
      async () => {
        const { structured } = await call(TOOL_NAMES.getPipelineStatus, {});
        const groups = (structured.processors as { groups: { consumer: string; lag: string }[] }).groups;
        const models = (structured.projections as { items: { projection: string; lag: string }[] }).items;
        const lagOf = (c: string) => groups.find((g) => g.consumer === c)?.lag;
        return lagOf('projector') === '0' &&
          lagOf('processor:anomalies') === '0' &&
          models.find((m) => m.projection === 'readings')?.lag === '0'
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    await stopConsumers();
    const later = hourlyReadings('Office_Admin', 1, LATER_READINGS, Date.UTC(2015, 1, 1));
    await sendReadings(later);
    const produced = await sourceCount();

    const { isError, structured } = await call(TOOL_NAMES.getPipelineStatus, { includePartitions: true });
    expect(isError).toBe(false);
    const groups = (
      structured.processors as {
        readAt: string;
        groups: { consumer: string; state: string; members: number; lag: string }[];
      }
    ).groups;
    const byConsumer = new Map(groups.map((g) => [g.consumer, g]));
    expect(byConsumer.get('projector')?.lag).toBe(String(later.length));
    expect(byConsumer.get('processor:anomalies')?.lag).toBe(String(later.length));
    expect(byConsumer.get('processor:anomalies')?.members).toBe(0);
    // A processor that never ran has consumed nothing: its lag is everything on its input.
    expect(byConsumer.get('processor:data-quality')?.lag).toBe(String(produced));
    const models = (
      structured.projections as { items: { projection: string; lag: string; activeGeneration: number }[] }
    ).items;
    expect(models.find((m) => m.projection === 'readings')).toMatchObject({
      lag: String(later.length),
      activeGeneration: 1,
    });
    const topics = (structured.topics as { readAt: string; items: { topic: string; endOffset: string }[] })
      .items;
    expect(topics.find((t) => t.topic === readingsTopic())?.endOffset).toBe(String(produced));
    for (const part of ['topics', 'processors', 'projections'])
      expect(Date.parse((structured[part] as { readAt: string }).readAt)).not.toBeNaN();
    await startConsumers();
  }, 180_000);

  it('list_dead_letters: one entry per poison record, naming both consumers that refused it and why', async () => {
    const entries = await refusedByBoth();
    const framing = entries.find((e) => e.errorCodes.includes('SCHEMA_FRAMING'));
    const range = entries.find((e) => e.errorCodes.includes('EVENT_OUT_OF_RANGE'));
    expect(framing).toMatchObject({
      sourceTopic: readingsTopic(),
      sourcePartition: poisonAt.framing.partition,
      sourceOffset: poisonAt.framing.offset,
      redriven: false,
    });
    expect(range).toMatchObject({
      sourcePartition: poisonAt.range.partition,
      sourceOffset: poisonAt.range.offset,
    });
    for (const entry of [framing, range]) {
      expect([...(entry?.consumers ?? [])].sort()).toEqual(CONSUMERS);
      expect(entry?.refusals).toHaveLength(2);
    }
    expect(range?.refusals.every((r) => r.errorMessage.includes('-7'))).toBe(true);

    // Filters and pages: one consumer's refusals by code; a page of one, then the next by its cursor.
    const byCode = await call(TOOL_NAMES.listDeadLetters, {
      consumer: 'projector',
      errorCode: 'EVENT_OUT_OF_RANGE',
      topic: 'sensor-readings',
    });
    expect((byCode.structured.entries as Entry[]).map((e) => e.id)).toEqual([range?.id]);
    const first = await call(TOOL_NAMES.listDeadLetters, { limit: 1 });
    const second = await call(TOOL_NAMES.listDeadLetters, {
      limit: 1,
      cursor: first.structured.nextCursor as string,
    });
    const paged = [...(first.structured.entries as Entry[]), ...(second.structured.entries as Entry[])];
    expect(paged.map((e) => e.id).sort()).toEqual(entries.map((e) => e.id).sort());
    expect(second.structured.nextCursor).toBeNull();
  }, 120_000);

  it('show_dead_letter: headers, reasons, and the source record decoded when it decodes', async () => {
    const entries = await refusedByBoth();
    const range = entries.find((e) => e.errorCodes.includes('EVENT_OUT_OF_RANGE')) as Entry;
    const framing = entries.find((e) => e.errorCodes.includes('SCHEMA_FRAMING')) as Entry;

    const shown = await call(TOOL_NAMES.showDeadLetter, { id: range.id });
    expect(shown.isError).toBe(false);
    const record = shown.structured.record as {
      headers: Record<string, string>;
      decoded?: { eventId: string; value: number };
      decodeError?: string;
    };
    expect(record.decoded).toMatchObject({ eventId: outOfRange.eventId, value: -7 });
    expect(record.headers['eaio.dlq.error.code']).toBe('EVENT_OUT_OF_RANGE');
    expect(CONSUMERS).toContain(record.headers['eaio.dlq.consumer']);
    expect(shown.structured.redrives).toEqual([]);

    const bad = await call(TOOL_NAMES.showDeadLetter, { id: framing.id });
    const badRecord = bad.structured.record as { decodeError?: string; valueBase64: string };
    expect(badRecord.decodeError).toBeTruthy();
    expect(Buffer.from(badRecord.valueBase64, 'base64')).toEqual(notAvro);

    const missing = await call(TOOL_NAMES.showDeadLetter, { id: `${range.id.split('/')[0]}/0/99999` });
    expect(missing.isError).toBe(true);
  }, 120_000);

  it('redrive_dead_letters: a dry run sends nothing; confirmed, each source record goes back once, audited; a repeat sends nothing', async () => {
    const entries = await refusedByBoth();
    const before = await sourceCount();

    const dry = await call(TOOL_NAMES.redriveDeadLetters, { filter: { topic: 'sensor-readings' } });
    expect(dry.structured).toMatchObject({ dryRun: true, sent: 2 });
    expect(await sourceCount()).toBe(before);

    const unconfirmed = await call(TOOL_NAMES.redriveDeadLetters, {
      ids: entries.map((e) => e.id),
      dryRun: false,
    });
    expect(unconfirmed.isError).toBe(true);
    expect(await sourceCount()).toBe(before);

    const sent = await call(TOOL_NAMES.redriveDeadLetters, {
      ids: entries.map((e) => e.id),
      dryRun: false,
      confirm: true,
    });
    expect(sent.isError).toBe(false);
    // Four letters (two consumers each) but two source records: two events back on the topic.
    expect(sent.structured).toMatchObject({ dryRun: false, sent: 2, alreadyRedriven: 0 });
    expect(await sourceCount()).toBe(before + 2);
    const back = (await readTopicToEnd(platform.kafka, readingsTopic())).filter(
      (m) => m.message.headers?.['eaio.redrive.from'] !== undefined,
    );
    expect(back.map((m) => m.message.value)).toEqual(expect.arrayContaining([notAvro]));
    expect(back).toHaveLength(2);

    const again = await call(TOOL_NAMES.redriveDeadLetters, {
      ids: entries.map((e) => e.id),
      dryRun: false,
      confirm: true,
    });
    expect(again.structured).toMatchObject({ sent: 0, alreadyRedriven: 2 });
    expect(again.text).toContain('Sent nothing');
    expect(await sourceCount()).toBe(before + 2);

    const audit = await Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic('auditLog'))).map(
        async (m) => (await platform.codec.decode('auditLog', m.message.value)).value,
      ),
    );
    const redrives = audit.filter((a) => a.action === REDRIVE_ACTION);
    expect(redrives).toHaveLength(4);
    expect(redrives.every((a) => a.actor === 'ops-admin' && a.source === MCP_REDRIVE_SOURCE)).toBe(true);

    // The index learns of the re-drive from the audit log; the record shows who sent it back.
    const shown = await waitFor(
      'the re-drive indexed',
      async () => {
        const { structured } = await call(TOOL_NAMES.showDeadLetter, { id: entries[0]?.id ?? '' });
        return (structured.redrives as unknown[]).length === 2 ? structured : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect((shown.redrives as { redrivenBy: string }[]).map((r) => r.redrivenBy)).toEqual([
      'ops-admin',
      'ops-admin',
    ]);
    expect((shown.entry as Entry).redriven).toBe(true);
  }, 120_000);

  it('get_replay_status: a rebuild shows as a building generation caught up with the log, then active with the old one retired', async () => {
    let during: Record<string, unknown> | undefined;
    await rebuildNamedProjection(platform, 'readings', {
      beforeSwitch: async () => {
        during = (await call(TOOL_NAMES.getReplayStatus, { projection: 'readings' })).structured;
      },
    });
    type Generations = {
      projections: {
        generations: {
          generation: number;
          status: string;
          progress: { caughtUp: boolean; reached: string; total: string } | null;
        }[];
      }[];
    };
    const [duringReadings] = (during as unknown as Generations).projections;
    expect(duringReadings?.generations.map((g) => [g.generation, g.status])).toEqual([
      [2, 'building'],
      [1, 'active'],
    ]);
    // Caught up with the live generation: the same offsets reached (commit markers of the re-drive's
    // transactions sit past both, so neither is at the high-water mark).
    const [building, live] = duringReadings?.generations ?? [];
    expect(building?.progress?.reached).toBe(live?.progress?.reached);
    expect(Number(building?.progress?.reached)).toBeGreaterThan(0);

    const after = await call(TOOL_NAMES.getReplayStatus, { projection: 'readings' });
    const [afterReadings] = (after.structured as unknown as Generations).projections;
    expect(afterReadings?.generations.map((g) => [g.generation, g.status])).toEqual([
      [2, 'active'],
      [1, 'retired'],
    ]);
    const all = await call(TOOL_NAMES.getReplayStatus, {});
    const names = (all.structured.projections as { projection: string }[]).map((p) => p.projection);
    expect(names).toEqual(expect.arrayContaining(['readings', 'rollups', 'dead-letters']));
  }, 180_000);

  it('get_operation_stats: counts, errors and p50/p99 as computed from the recorded operations', async () => {
    const durations = Array.from({ length: 40 }, (_, i) => (i * 37) % 101);
    const now = new Date();
    const operations: OperationRecorded[] = durations.map((durationMs, i) => ({
      eventId: randomUUID(),
      occurredAt: now,
      source: 'test',
      component: 'test-admin',
      actor: null,
      operation: 'test.op:measure',
      durationMs,
      outcome: i % 10 === 0 ? 'error' : 'ok',
      errorCode: i % 10 === 0 ? 'TEST_FAILED' : null,
      details: {},
      traceContext: null,
    }));
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic('telemetry'),
      acks: -1,
      messages: await Promise.all(
        operations.map(async (o) => ({
          key: o.component,
          value: await platform.codec.encode('telemetry', o),
        })),
      ),
    });
    const sorted = [...durations].sort((a, b) => a - b);
    const nearestRank = (p: number) => sorted[Math.ceil(p * sorted.length) - 1];
    const stats = await waitFor(
      'the operations projected',
      async () => {
        const { structured } = await call(TOOL_NAMES.getOperationStats, { component: 'test-admin' });
        const [op] = structured.operations as { calls: number }[];
        return op?.calls === durations.length ? structured : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect((stats.operations as unknown[])[0]).toMatchObject({
      component: 'test-admin',
      operation: 'test.op:measure',
      calls: 40,
      errors: 4,
      p50Ms: nearestRank(0.5),
      p99Ms: nearestRank(0.99),
      maxMs: Math.max(...durations),
      errorCodes: [{ code: 'TEST_FAILED', count: 4 }],
    });
    expect((stats.provenance as { readModel: string }[]).map((p) => p.readModel)).toEqual([
      'operation-stats',
    ]);
  }, 120_000);

  it('a re-driven record goes back only to the consumers that refused it: the others pass the copy over', async () => {
    // A valid reading the projector alone refused (a letter naming only it), re-driven.
    const reading: SensorReading = { ...(valid[1] as SensorReading), eventId: randomUUID(), value: 42 };
    const at = await send(reading.meterId, await platform.codec.encode('sensorReadings', reading));
    const stored = (await readTopicToEnd(platform.kafka, readingsTopic())).find(
      (m) => m.partition === at.partition && m.message.offset === at.offset,
    );
    if (stored === undefined) throw new Error('reading not found');
    await createDeadLetterPublisher(await platform.producer()).publish(
      platform.names.deadLetter('sensorReadings'),
      [
        deadLetterOf(
          { topic: readingsTopic(), partition: at.partition },
          stored.message,
          new Error('refused'),
          'write',
          'projector',
        ),
      ],
    );
    const entry = await waitFor('the projector-only letter indexed', async () => {
      const { structured } = await call(TOOL_NAMES.listDeadLetters, {
        consumer: 'projector',
        errorCode: 'UNCLASSIFIED',
      });
      return (structured.entries as Entry[]).find(
        (e) => e.sourceOffset === at.offset && e.sourcePartition === at.partition,
      );
    });
    expect(entry.consumers).toEqual(['projector']);
    const sent = await call(TOOL_NAMES.redriveDeadLetters, { ids: [entry.id], dryRun: false, confirm: true });
    expect(sent.structured).toMatchObject({ sent: 1 });
    // The re-drive's transaction is committed when the tool answers, but its commit marker reaches
    // the partition a moment later: until then a read-committed reader stops short of the copy.
    const copy = await waitFor('the re-driven copy readable', async () =>
      (await readTopicToEnd(platform.kafka, readingsTopic())).find(
        (m) => m.message.headers?.['eaio.redrive.from']?.toString() === entry.id,
      ),
    );
    expect(copy.message.headers?.['eaio.redrive.for']?.toString()).toBe('projector');

    // A consumer that handled every original (readings-by-building forwards each valid reading once)
    // now reads the whole topic: originals and re-driven copies meant for others.
    const forwarder = await runProcessors(platform, { processors: ['readings-by-building'] });
    try {
      // Past the last message of every partition (single-input processors do not commit past a
      // trailing transaction marker, such as the re-drive's, so lag 0 is not the condition).
      const ends = new Map<number, bigint>();
      for (const m of await readTopicToEnd(platform.kafka, readingsTopic()))
        ends.set(m.partition, BigInt(m.message.offset) + 1n);
      await waitFor(
        'readings-by-building past every message',
        async () => {
          const { structured } = await call(TOOL_NAMES.getPipelineStatus, { includePartitions: true });
          const groups = (
            structured.processors as {
              groups: { consumer: string; partitions: { partition: number; committed: string | null }[] }[];
            }
          ).groups;
          const g = groups.find((x) => x.consumer === 'processor:readings-by-building');
          const passed = [...ends].every(([partition, end]) => {
            const committed = g?.partitions.find((p) => p.partition === partition)?.committed;
            return committed != null && BigInt(committed) >= end;
          });
          return passed ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      const forwarded = await readTopicToEnd(platform.kafka, platform.names.topic('readingsByBuilding'));
      // Each valid original once (the first readings, the later ones, this one); the re-driven copy of
      // this reading (meant for the projector) not again.
      expect(forwarded.filter((m) => m.message.value?.equals(stored.message.value as Buffer))).toHaveLength(
        1,
      );
      let validOriginals = 0;
      for (const { message } of await readTopicToEnd(platform.kafka, readingsTopic())) {
        if (message.headers?.['eaio.redrive.from'] !== undefined) continue;
        const decoded = await platform.codec.decode('sensorReadings', message.value).catch(() => undefined);
        if (decoded !== undefined && (decoded.value as SensorReading).value >= 0) validOriginals += 1;
      }
      expect(validOriginals).toBeGreaterThan(valid.length);
      expect(forwarded).toHaveLength(validOriginals);
      // It refused the two poison originals, and passed their re-driven copies over without a letter.
      const letters = (
        await readTopicToEnd(platform.kafka, platform.names.deadLetter('sensorReadings'))
      ).filter(
        (m) => m.message.headers?.['eaio.dlq.consumer']?.toString() === 'processor:readings-by-building',
      );
      expect(
        letters
          .map(
            (m) =>
              `${m.message.headers?.['eaio.dlq.source.partition']}/${m.message.headers?.['eaio.dlq.source.offset']}`,
          )
          .sort(),
      ).toEqual(
        [
          `${poisonAt.framing.partition}/${poisonAt.framing.offset}`,
          `${poisonAt.range.partition}/${poisonAt.range.offset}`,
        ].sort(),
      );
    } finally {
      await forwarder.stop();
    }
  }, 180_000);

  it('an analyst neither sees the admin tools nor can call them', async () => {
    const analyst = await connectWithToken(
      mcp.url,
      await auth.token({ sub: 'ana', role: 'analyst', tenant: 'default' }),
      'eaio-analyst',
    );
    try {
      const names = (await analyst.listTools()).tools.map((t) => t.name);
      const admin: string[] = [
        TOOL_NAMES.getPipelineStatus,
        TOOL_NAMES.getReplayStatus,
        TOOL_NAMES.getOperationStats,
        TOOL_NAMES.listDeadLetters,
        TOOL_NAMES.showDeadLetter,
        TOOL_NAMES.redriveDeadLetters,
      ];
      expect(names.filter((n) => admin.includes(n))).toEqual([]);
      expect(names).toContain(TOOL_NAMES.getLatestReadings);
      const before = await sourceCount();
      const attempt = await call(
        TOOL_NAMES.redriveDeadLetters,
        { filter: {}, dryRun: false, confirm: true },
        analyst,
      ).catch((error: unknown) => ({ isError: true, text: String(error), structured: undefined }));
      expect(attempt.isError).toBe(true);
      expect(attempt.structured).toBeUndefined();
      expect(await sourceCount()).toBe(before);
    } finally {
      await analyst.close();
    }
  }, 60_000);
});
