import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import {
  type AnyTool,
  createMcpServerFactory,
  getOperationStats,
  getPipelineStatus,
  getReplayStatus,
  LOCAL_ADMIN,
  listDeadLetters,
  type McpReads,
  type PipelineAdmin,
  type PipelineTopic,
  principal,
  type RedriveCommand,
  redriveDeadLetters,
  runTool,
  SCOPES,
  showDeadLetter,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import type {
  Answer,
  DeadLetterDetail,
  DeadLetterSummary,
  GenerationReport,
  OperationSummaryQuery,
  ProjectionReplayState,
} from '../../projections/index.ts';

// The admin tools' handles against hand-written reads and a hand-written pipeline port: the tools' own
// seams. The real Kafka and PostgreSQL behind them are exercised by tests/slice/admin-tools.e2e.test.ts.

const NOW = Date.parse('2026-12-05T10:00:00Z');
const ADMIN_TOOLS = [
  getPipelineStatus,
  getReplayStatus,
  getOperationStats,
  listDeadLetters,
  showDeadLetter,
  redriveDeadLetters,
];

const fresh = <T>(data: T, dataUntil: Date | null = null): Answer<T> => ({
  data,
  provenance: [],
  dataUntil,
  stale: false,
});

function reads(overrides: Partial<McpReads>): McpReads {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected ${name}`));
  const base: Record<string, unknown> = {};
  for (const name of [
    'latestReadings',
    'latestReadingsAnswer',
    'building',
    'buildingIds',
    'consumption',
    'benchmark',
    'anomalies',
    'dataQuality',
    'commandStatus',
    'weatherNormalised',
    'deadLetters',
    'deadLetter',
    'operationSummary',
    'projectionGenerations',
  ]) {
    base[name] = unexpected(name);
  }
  return { ...(base as unknown as McpReads), ...overrides };
}

function pipeline(overrides: Partial<PipelineAdmin>): PipelineAdmin {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected ${name}`));
  return {
    topics: unexpected('topics'),
    consumerGroups: unexpected('consumerGroups'),
    deadLetterRecord: unexpected('deadLetterRecord'),
    redrive: unexpected('redrive'),
    ...overrides,
  };
}

async function call(tool: AnyTool<McpReads>, args: unknown, queries: McpReads, who = LOCAL_ADMIN) {
  const run = await runTool(tool, tool.input.parse(args), { queries, principal: who, now: () => NOW });
  if (!run.result.isError) tool.output.parse(run.result.structuredContent);
  const text = run.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { isError: run.result.isError === true, text, structured: run.result.structuredContent as never };
}

const READINGS: PipelineTopic = {
  key: 'sensorReadings',
  topic: 't.sensor-readings',
  deadLetter: false,
  partitions: [
    { partition: 0, low: '0', high: '10' },
    { partition: 1, low: '2', high: '8' },
  ],
};
const READINGS_DLQ: PipelineTopic = {
  key: 'sensorReadings',
  topic: 't.sensor-readings.dlq',
  deadLetter: true,
  partitions: [{ partition: 0, low: '0', high: '3' }],
};

const generation = (g: Partial<GenerationReport> & Pick<GenerationReport, 'generation' | 'status'>) =>
  ({
    store: 'postgres',
    location: `s_readings_g${g.generation}`,
    fromTime: null,
    createdAt: new Date('2026-12-05T09:00:00Z'),
    activatedAt: null,
    retiredAt: null,
    offsets: [],
    lastAppliedAt: null,
    ...g,
  }) satisfies GenerationReport;

const READINGS_STATE: ProjectionReplayState = {
  projection: 'readings',
  handles: ['sensorReadings'],
  generations: [
    // A rebuild half way: partition 0 at 5 of 10, partition 1 not started (from its start, 2).
    generation({
      generation: 3,
      status: 'building',
      fromTime: new Date('2016-01-01T00:00:00Z'),
      offsets: [{ topic: 't.sensor-readings', partition: 0, nextOffset: '5' }],
    }),
    generation({
      generation: 2,
      status: 'active',
      offsets: [
        { topic: 't.sensor-readings', partition: 0, nextOffset: '10' },
        { topic: 't.sensor-readings', partition: 1, nextOffset: '7' },
      ],
      lastAppliedAt: new Date('2026-12-05T09:59:00Z'),
    }),
    generation({ generation: 1, status: 'retired' }),
  ],
};

describe('the admin tools', () => {
  it('need the admin scope: a viewer or an analyst is not shown them, an admin is', async () => {
    for (const tool of ADMIN_TOOLS) expect(tool.scope, tool.name).toBe(SCOPES.admin);
    const listed = async (who: ReturnType<typeof principal>) => {
      const factory = createMcpServerFactory({} as McpReads, { localPrincipal: who });
      const server = (await factory({} as McpRequestContext)) as McpServer;
      const client = new Client({ name: 'eaio-admin-scope', version: '1.0.0' });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      await client.connect(clientSide);
      try {
        return (await client.listTools()).tools.map((t) => t.name);
      } finally {
        await client.close();
        await server.close();
      }
    };
    const adminNames: string[] = ADMIN_TOOLS.map((t) => t.name);
    for (const role of ['viewer', 'analyst', 'operator'] as const) {
      const names = await listed(principal(`someone-${role}`, role, 't1'));
      expect(
        names.filter((n) => adminNames.includes(n)),
        role,
      ).toEqual([]);
    }
    expect(await listed(principal('root', 'admin', '*'))).toEqual(expect.arrayContaining(adminNames));
  });

  it('refuse, with what to do, on a server started without the pipeline port', async () => {
    const run = await call(
      getPipelineStatus,
      {},
      reads({ projectionGenerations: async () => fresh([READINGS_STATE]) }),
    );
    expect(run.isError).toBe(true);
    expect(run.text).toContain('without access to the pipeline');
  });
});

describe('get_pipeline_status', () => {
  it("gives each read model's lag as end offsets minus its stored offsets, and each group's lag as the port read it", async () => {
    const run = await call(
      getPipelineStatus,
      { includePartitions: true },
      reads({
        projectionGenerations: async () => fresh([READINGS_STATE]),
        pipeline: pipeline({
          topics: async () => [READINGS, READINGS_DLQ],
          consumerGroups: async () => [
            {
              groupId: 't.anomalies',
              consumer: 'processor:anomalies',
              state: 'Stable',
              members: 2,
              topics: [
                {
                  topic: 't.sensor-readings',
                  lag: '4',
                  partitions: [
                    { partition: 0, committed: '7', high: '10', lag: '3' },
                    { partition: 1, committed: '7', high: '8', lag: '1' },
                  ],
                },
              ],
            },
          ],
        }),
      }),
    );
    expect(run.isError).toBe(false);
    const s = run.structured as {
      topics: { readAt: string; items: { topic: string; endOffset: string; messages: string }[] };
      processors: { readAt: string; groups: { consumer: string; members: number; lag: string }[] };
      projections: {
        readAt: string;
        items: {
          projection: string;
          status: string;
          activeGeneration: number;
          buildingGeneration: number;
          lag: string;
        }[];
      };
    };
    expect(s.topics.items).toEqual([
      expect.objectContaining({ topic: 't.sensor-readings', endOffset: '18', messages: '16' }),
      expect.objectContaining({ topic: 't.sensor-readings.dlq', endOffset: '3', messages: '3' }),
    ]);
    expect(s.processors.groups).toEqual([
      expect.objectContaining({ consumer: 'processor:anomalies', members: 2, lag: '4' }),
    ]);
    // Active g2: partition 0 at its end (10/10), partition 1 at 7 of 8: one message behind.
    expect(s.projections.items).toEqual([
      expect.objectContaining({
        projection: 'readings',
        status: 'rebuilding',
        activeGeneration: 2,
        buildingGeneration: 3,
        lag: '1',
      }),
    ]);
    for (const readAt of [s.topics.readAt, s.processors.readAt, s.projections.readAt])
      expect(readAt).toBe(new Date(NOW).toISOString());
    expect(run.text).toContain('group processor:anomalies: Stable, 2 member(s), lag 4');
  });
});

describe('get_replay_status', () => {
  const queries = reads({
    projectionGenerations: async () => fresh([READINGS_STATE]),
    pipeline: pipeline({ topics: async () => [READINGS, READINGS_DLQ] }),
  });

  it("gives a building generation's progress as the offsets it reached against the end offsets", async () => {
    const run = await call(getReplayStatus, { projection: 'readings' }, queries);
    const [projection] = (
      run.structured as {
        projections: {
          generations: {
            generation: number;
            status: string;
            fromTime: string | null;
            progress: {
              reached: string;
              total: string;
              lag: string;
              percent: number;
              caughtUp: boolean;
            } | null;
          }[];
        }[];
      }
    ).projections;
    const [building, active, retired] = projection?.generations ?? [];
    // 16 messages in the log (10 + 6); the rebuild passed 5 of partition 0 and none of partition 1.
    expect(building).toMatchObject({
      generation: 3,
      status: 'building',
      fromTime: '2016-01-01T00:00:00.000Z',
      progress: { reached: '5', total: '16', lag: '11', percent: 31.25, caughtUp: false },
    });
    expect(active?.progress).toEqual({
      reached: '15',
      total: '16',
      lag: '1',
      percent: 93.75,
      caughtUp: false,
    });
    expect(retired).toMatchObject({ status: 'retired', progress: null });
    expect(run.text).toContain('g3 building 31.25% (lag 11) from 2016-01-01T00:00:00.000Z');
  });

  it('refuses an unknown read model, naming the known ones', async () => {
    const run = await call(getReplayStatus, { projection: 'nope' }, queries);
    expect(run.isError).toBe(true);
    expect(run.text).toContain("No read model 'nope'");
    expect(run.text).toContain('readings');
  });
});

describe('get_operation_stats', () => {
  it('asks for the last hour by default and answers p50/p99 and errors per operation', async () => {
    const asked: OperationSummaryQuery[] = [];
    const run = await call(
      getOperationStats,
      { component: 'mcp' },
      reads({
        operationSummary: async (q) => {
          asked.push(q);
          return fresh([
            {
              component: 'mcp',
              operation: 'mcp.tool:query_consumption',
              calls: 10,
              errors: 2,
              p50Ms: 4,
              p99Ms: 40,
              maxMs: 40,
              meanMs: 8,
              errorCodes: [{ code: 'INVALID_ARGUMENT', count: 2 }],
              firstMinute: new Date('2026-12-05T09:10:00Z'),
              lastMinute: new Date('2026-12-05T09:50:00Z'),
            },
          ]);
        },
      }),
    );
    expect(asked).toEqual([{ since: new Date(NOW - 3_600_000), component: 'mcp' }]);
    expect(run.text).toContain(
      'mcp mcp.tool:query_consumption: 10 calls, 2 errors (INVALID_ARGUMENT x2), p50 4 ms, p99 40 ms',
    );
  });

  it('refuses an empty window', async () => {
    const run = await call(
      getOperationStats,
      { since: '2026-12-05T10:00:00Z', until: '2026-12-05T09:00:00Z' },
      reads({}),
    );
    expect(run.isError).toBe(true);
    expect(run.text).toContain('The window is empty');
  });
});

const record = (id: string, redriven = false): DeadLetterSummary => ({
  id,
  dlqTopic: 't.sensor-readings.dlq',
  sourceTopic: 't.sensor-readings',
  sourcePartition: 0,
  sourceOffset: id.split('/')[2] ?? '0',
  firstFailedAt: new Date('2026-12-05T09:00:00Z'),
  lastFailedAt: new Date('2026-12-05T09:00:00Z'),
  consumers: ['projector', 'processor:anomalies'],
  errorCodes: ['SCHEMA_FRAMING'],
  redriven,
  redrivenFrom: null,
  refusals: ['projector', 'processor:anomalies'].map((consumer, i) => ({
    letterId: `${id}${i === 0 ? '' : '1'}`,
    consumer,
    stage: 'decode',
    errorCode: 'SCHEMA_FRAMING',
    errorClass: 'SchemaFramingError',
    errorMessage: 'no magic byte',
    failedAt: new Date('2026-12-05T09:00:00Z'),
    attempts: 1,
    redrivenAt: null,
    redrivenBy: null,
  })),
});

const detail = (id: string): DeadLetterDetail => ({
  ...record(id),
  key: 'm-1',
  valueBytes: 8,
  redrives: [],
  failedAgainAs: [],
});

describe('list_dead_letters', () => {
  it('passes the filters and the cursor through and answers one entry per record naming its consumers', async () => {
    const asked: unknown[] = [];
    const run = await call(
      listDeadLetters,
      { topic: 'sensor-readings', errorCode: 'SCHEMA_FRAMING', since: '2026-12-05T08:00:00Z', cursor: 'abc' },
      reads({
        deadLetters: async (q) => {
          asked.push(q);
          return fresh({ entries: [record('t.sensor-readings.dlq/0/4')], nextCursor: 'next' });
        },
      }),
    );
    expect(asked).toEqual([
      {
        topic: 'sensor-readings',
        errorCode: 'SCHEMA_FRAMING',
        since: new Date('2026-12-05T08:00:00Z'),
        cursor: 'abc',
      },
    ]);
    const s = run.structured as { entries: { consumers: string[] }[]; nextCursor: string };
    expect(s.entries.map((e) => e.consumers)).toEqual([['projector', 'processor:anomalies']]);
    expect(s.nextCursor).toBe('next');
    expect(run.text).toContain(
      'projector: SCHEMA_FRAMING no magic byte; processor:anomalies: SCHEMA_FRAMING',
    );
  });
});

describe('show_dead_letter', () => {
  it('refuses an id the index does not hold, without reading Kafka', async () => {
    const run = await call(
      showDeadLetter,
      { id: 't.sensor-readings.dlq/0/99' },
      reads({ deadLetter: async () => fresh(undefined), pipeline: pipeline({}) }),
    );
    expect(run.isError).toBe(true);
    expect(run.text).toContain("No dead letter 't.sensor-readings.dlq/0/99'");
  });

  it('shows the record decoded, or why it does not decode', async () => {
    const run = await call(
      showDeadLetter,
      { id: 't.sensor-readings.dlq/0/4' },
      reads({
        deadLetter: async () => fresh(detail('t.sensor-readings.dlq/0/4')),
        pipeline: pipeline({
          deadLetterRecord: async (id) => ({
            letterId: id,
            headers: { 'eaio.dlq.consumer': 'projector' },
            key: 'm-1',
            valueBytes: 8,
            valueBase64: 'bm90IGF2cm8=',
            decodeError: 'no magic byte',
          }),
        }),
      }),
    );
    expect(run.isError).toBe(false);
    const s = run.structured as { record: { headers: Record<string, string>; decodeError: string } };
    expect(s.record.headers['eaio.dlq.consumer']).toBe('projector');
    expect(run.text).toContain('does not decode: no magic byte');
  });
});

describe('redrive_dead_letters', () => {
  const sent: RedriveCommand[] = [];
  const done = new Set<string>();
  // A port that behaves as redriveDeadLetters does: each letter once.
  const port = pipeline({
    redrive: async (command) => {
      sent.push(command);
      const redriven = command.letterIds.filter((id) => !done.has(id));
      if (!command.dryRun) for (const id of redriven) done.add(id);
      return {
        redriven,
        skipped: command.letterIds.filter((id) => !redriven.includes(id)),
        sent: redriven.length === 0 ? 0 : 1,
      };
    },
  });
  const queries = reads({
    deadLetter: async (id) => fresh(id === 't.sensor-readings.dlq/0/4' ? detail(id) : undefined),
    deadLetters: async () => fresh({ entries: [record('t.sensor-readings.dlq/0/4')], nextCursor: null }),
    pipeline: port,
  });
  const operator = principal('alice@example.com', 'admin', '*');

  it('is a dry run by default: says what would be sent, as the caller', async () => {
    const run = await call(redriveDeadLetters, { ids: ['t.sensor-readings.dlq/0/4'] }, queries, operator);
    expect(run.isError).toBe(false);
    expect(sent.at(-1)).toEqual({
      letterIds: ['t.sensor-readings.dlq/0/4', 't.sensor-readings.dlq/0/41'],
      actor: 'alice@example.com',
      dryRun: true,
    });
    expect(run.structured).toMatchObject({ dryRun: true, sent: 1, records: [{ outcome: 'would be sent' }] });
    expect(run.text).toContain('Dry run: would send 1 event(s)');
  });

  it('sends nothing without confirm: true', async () => {
    const before = sent.length;
    const run = await call(
      redriveDeadLetters,
      { ids: ['t.sensor-readings.dlq/0/4'], dryRun: false },
      queries,
    );
    expect(run.isError).toBe(true);
    expect(run.text).toContain('confirm: true');
    expect(sent.length).toBe(before);
  });

  it('sends once with confirm, and a second call sends nothing and says so', async () => {
    const args = { filter: { topic: 'sensor-readings' }, dryRun: false, confirm: true };
    const first = await call(redriveDeadLetters, args, queries, operator);
    expect(first.structured).toMatchObject({ dryRun: false, sent: 1, records: [{ outcome: 'sent' }] });
    expect(first.text).toContain('audited as alice@example.com');
    const second = await call(redriveDeadLetters, args, queries, operator);
    expect(second.structured).toMatchObject({
      sent: 0,
      alreadyRedriven: 1,
      records: [{ outcome: 'already re-driven' }],
    });
    expect(second.text).toContain('Sent nothing: all 1 record(s) were already re-driven');
  });

  it('refuses unknown ids before sending anything, and asks for ids or a filter', async () => {
    const before = sent.length;
    const unknown = await call(
      redriveDeadLetters,
      { ids: ['t.sensor-readings.dlq/0/4', 't.sensor-readings.dlq/0/77'], dryRun: false, confirm: true },
      queries,
    );
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("'t.sensor-readings.dlq/0/77'");
    const neither = await call(redriveDeadLetters, {}, queries);
    expect(neither.isError).toBe(true);
    expect(neither.text).toContain('give either ids');
    expect(sent.length).toBe(before);
  });

  it("refuse a token limited to one tenant before reading anything: dead letters hold every tenant's events", async () => {
    const tenantAdmin = principal('bob', 'admin', 't1');
    const before = sent.length;
    for (const [tool, args] of [
      [listDeadLetters, {}],
      [showDeadLetter, { id: 't.sensor-readings.dlq/0/4' }],
      [redriveDeadLetters, { ids: ['t.sensor-readings.dlq/0/4'] }],
    ] as const) {
      const run = await call(tool, args, reads({ pipeline: port }), tenantAdmin);
      expect(run.isError, tool.name).toBe(true);
      expect(run.text).toContain("limited to tenant 't1'");
    }
    expect(sent.length).toBe(before);
  });

  it('is annotated as an idempotent write', () => {
    expect(redriveDeadLetters.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    expect(redriveDeadLetters.name).toBe(TOOL_NAMES.redriveDeadLetters);
  });
});
