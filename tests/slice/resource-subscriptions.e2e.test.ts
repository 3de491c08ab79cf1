import { randomUUID } from 'node:crypto';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { McpServer, McpServerFactory } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import {
  buildingUri,
  createMcpServerFactory,
  createResourceSubscriptions,
  meterLatestUri,
  principal,
  type ResourceSubscriptions,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
  type Topology,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer, type QueryLayer } from '../../projections/index.ts';
import {
  type BuildingRegistered,
  createRegistryClient,
  HOUR_MS,
  type SensorReading,
  TOPICS,
  valueSubject,
} from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** What a client heard: each notification's method and URI, in arrival order. */
interface Heard {
  readonly method: string;
  readonly uri?: string;
}

/** A 2026-07-28 client over Streamable HTTP, recording the change notifications it receives. */
async function modernClient(url: string, heard: Heard[]): Promise<Client> {
  const client = new Client(
    { name: 'eaio-subscriber', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  client.setNotificationHandler(
    'notifications/resources/updated',
    (n) => void heard.push({ method: n.method, uri: n.params.uri }),
  );
  client.setNotificationHandler(
    'notifications/resources/list_changed',
    (n) => void heard.push({ method: n.method }),
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const uris = (heard: readonly Heard[]) => heard.flatMap((h) => (h.uri === undefined ? [] : [h.uri]));
const listChanges = (heard: readonly Heard[]) =>
  heard.filter((h) => h.method === 'notifications/resources/list_changed').length;

function reading(buildingId: string, meterId: string, hour: number): SensorReading {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(Date.UTC(2016, 0, 1) + hour * HOUR_MS),
    source: 'test',
    buildingId,
    meterId,
    meterKind: 'electricity',
    value: 100 + hour,
    unit: 'kWh',
  };
}

describe('resources, subscriptions and prompts through real MCP clients over Streamable HTTP', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let queries: QueryLayer;
  const subscriptions: ResourceSubscriptions[] = [];
  const servers: RunningMcpHttpServer[] = [];
  const clients: Client[] = [];
  // Instance A serves an analyst of tenant t1, instance B the local admin (every tenant).
  let factoryA: McpServerFactory;
  const heardA: Heard[] = [];
  const heardB: Heard[] = [];
  let clientA: Client;
  const b1 = 'Sub_Office_T1';
  const b2 = 'Sub_Office_T2';
  const b3 = 'Sub_Lab_T1';
  const b4 = 'Sub_Lab_T2';
  const m1 = `${b1}:m0`;
  const m2 = `${b2}:m0`;

  async function register(buildingId: string, tenantId: string): Promise<void> {
    const deps = await platform.feedDeps();
    const event: BuildingRegistered = {
      eventId: randomUUID(),
      occurredAt: new Date(Date.UTC(2016, 0, 1)),
      source: 'test',
      buildingId,
      siteId: null,
      primaryUse: 'Office',
      floorAreaM2: 1000,
      timezone: 'UTC',
      yearBuilt: null,
      weatherStationId: null,
      tenantId,
    };
    await deps.producer.send({
      topic: platform.names.topic('buildings'),
      acks: -1,
      messages: [{ key: buildingId, value: await deps.codec.encode('buildings', event) }],
    });
  }

  beforeAll(async () => {
    platform = await createTestPlatform('subs');
    queries = createQueryLayer(platform);
    await register(b1, 't1');
    await register(b2, 't2');
    projector = await runProjector(platform);
    await waitFor('both buildings projected', async () =>
      (await queries.building(b1)) && (await queries.building(b2)) ? true : undefined,
    );
    for (const localPrincipal of [principal('analyst-t1', 'analyst', 't1'), undefined]) {
      const subs = createResourceSubscriptions({ redis: platform.redis, queries, logger: platform.logger });
      await subs.ready;
      subscriptions.push(subs);
      const factory = createMcpServerFactory(queries, {
        names: platform.names,
        registry: platform.registry,
        subscriptions: subs,
        ...(localPrincipal === undefined ? {} : { localPrincipal }),
      });
      factoryA ??= factory;
      servers.push(
        await startMcpHttpServer({
          host: '127.0.0.1',
          port: 0,
          // Each instance serves one local principal (a tenant's analyst, an admin): subscriptions are
          // gated by the principal whichever way it was identified (tokens are tested on their own).
          auth: { mode: 'none' },
          factory,
          logger: platform.logger,
          bus: subs.bus,
        }),
      );
    }
    clientA = await modernClient(servers[0]?.url ?? '', heardA);
    const clientB = await modernClient(servers[1]?.url ?? '', heardB);
    clients.push(clientA, clientB);
    // A asks for another tenant's building and meter too: it must hear nothing of them.
    const subA = await clientA.listen({
      resourceSubscriptions: [buildingUri(b1), meterLatestUri(m1), buildingUri(b2), meterLatestUri(m2)],
      resourcesListChanged: true,
    });
    const subB = await clientB.listen({
      resourceSubscriptions: [buildingUri(b1), meterLatestUri(m1), buildingUri(b2), meterLatestUri(m2)],
      resourcesListChanged: true,
    });
    expect(subA.honoredFilter.resourceSubscriptions).toHaveLength(4);
    expect(subB.honoredFilter.resourcesListChanged).toBe(true);
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const server of servers) await server.close();
    for (const subs of subscriptions) await subs.close();
    await projector?.stop();
    await platform?.dispose();
  });

  it('a projected reading notifies its building and meter, on both instances, once per batch', async () => {
    const deps = await platform.feedDeps();
    // Another tenant's reading first: instance B (every tenant) hears it, instance A (t1) must not.
    await publishReadings(deps, [reading(b2, m2, 0), reading(b2, m2, 1)]);
    await waitFor('B told of the t2 building and meter', async () =>
      uris(heardB).includes(buildingUri(b2)) && uris(heardB).includes(meterLatestUri(m2)) ? true : undefined,
    );
    // Three readings of one meter in one send: one batch, one notification per resource.
    await publishReadings(deps, [reading(b1, m1, 0), reading(b1, m1, 1), reading(b1, m1, 2)]);
    const wanted = [buildingUri(b1), meterLatestUri(m1)];
    await waitFor('A told of the t1 building and meter', async () =>
      wanted.every((u) => uris(heardA).includes(u)) ? true : undefined,
    );
    await waitFor('B told of the t1 building and meter', async () =>
      wanted.every((u) => uris(heardB).includes(u)) ? true : undefined,
    );
    expect(uris(heardA).filter((u) => u === meterLatestUri(m1))).toHaveLength(1);
    expect(uris(heardA)).not.toContain(buildingUri(b2));
    expect(uris(heardA)).not.toContain(meterLatestUri(m2));
    // The notification comes after the commit: the resource read now shows the reading.
    const read = await clientA.readResource({ uri: buildingUri(b1) });
    const first = read.contents[0];
    const body = JSON.parse(first && 'text' in first ? first.text : '{}') as {
      meters: { meterId: string }[];
    };
    expect(body.meters.map((m) => m.meterId)).toEqual([m1]);
  });

  it("registering a building tells the subscribers of its tenant that the list changed, and no one else's", async () => {
    const before = listChanges(heardA);
    const beforeB = listChanges(heardB);
    await register(b4, 't2');
    await register(b3, 't1');
    await waitFor('B told of both registrations', async () =>
      listChanges(heardB) >= beforeB + 2 ? true : undefined,
    );
    // A sentinel published after both: each stream delivers in publication order, so once A hears
    // it, A has heard everything it will of the two registrations.
    const mark = heardA.length;
    subscriptions[1]?.bus.publish({ kind: 'resource_updated', uri: buildingUri(b1) });
    await waitFor('A hears the sentinel', async () =>
      uris(heardA.slice(mark)).includes(buildingUri(b1)) ? true : undefined,
    );
    expect(listChanges(heardA)).toBe(before + 1);
    expect(listChanges(heardB)).toBe(beforeB + 2);
  });

  it('a 2025-era connection subscribes with resources/subscribe and hears only what it asked for', async () => {
    const server = (await factoryA({ era: 'legacy' })) as McpServer;
    const client = new Client({ name: 'eaio-legacy', version: '1.0.0' });
    const heard: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
      await client.subscribeResource({ uri: meterLatestUri(m1) });
      // Another tenant's building is refused exactly as an unknown one.
      const forbidden = await client
        .subscribeResource({ uri: buildingUri(b2) })
        .catch((e: Error) => e.message);
      const unknown = await client
        .subscribeResource({ uri: buildingUri('Nobody') })
        .catch((e: Error) => e.message);
      expect(forbidden).toMatch(/No building/);
      expect(String(forbidden).replace(b2, 'X')).toBe(String(unknown).replace('Nobody', 'X'));
      await publishReadings(await platform.feedDeps(), [reading(b1, m1, 3)]);
      await waitFor('the legacy client told of the meter', async () =>
        heard.includes(meterLatestUri(m1)) ? true : undefined,
      );
      expect(heard).not.toContain(buildingUri(b1));
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a 2025-era client over Streamable HTTP is not offered subscriptions: that era is served statelessly', async () => {
    const legacy = new Client({ name: 'eaio-legacy-http', version: '1.0.0' });
    await legacy.connect(new StreamableHTTPClientTransport(new URL(servers[0]?.url ?? '')));
    try {
      expect(legacy.getServerCapabilities()?.resources?.subscribe).toBeUndefined();
      expect(clientA.getServerCapabilities()?.resources?.subscribe).toBe(true);
    } finally {
      await legacy.close();
    }
  });

  it('eaio://schemas/{subject} reads the latest registered schema, its id and version; subjects list and complete', async () => {
    const subject = valueSubject(platform.names.topic('sensorReadings'));
    const read = await clientA.readResource({ uri: `eaio://schemas/${encodeURIComponent(subject)}` });
    const first = read.contents[0];
    const body = JSON.parse(first && 'text' in first ? first.text : '{}') as {
      subject: string;
      id: number;
      version: number;
      schema: { name: string; namespace: string };
    };
    expect(body.subject).toBe(subject);
    expect(body.schema.name).toBe('SensorReading');
    expect(body.version).toBeGreaterThanOrEqual(1);
    expect(body.id).toBe(await createRegistryClient(platform.config.registry.url).getLatestSchemaId(subject));

    const listed = (await clientA.listResources()).resources.map((r) => r.uri);
    for (const key of Object.keys(TOPICS) as (keyof typeof TOPICS)[])
      expect(listed).toContain(
        `eaio://schemas/${encodeURIComponent(valueSubject(platform.names.topic(key)))}`,
      );
    // Only this deployment's subjects: the shared registry holds other prefixes too.
    expect(
      listed.filter((u) => u.startsWith('eaio://schemas/')).every((u) => u.includes(platform.names.prefix)),
    ).toBe(true);

    const completion = await clientA.complete({
      ref: { type: 'ref/resource', uri: 'eaio://schemas/{subject}' },
      argument: { name: 'subject', value: `${platform.names.prefix}sensor` },
    });
    expect(completion.completion.values).toEqual([subject]);

    await expect(
      clientA.readResource({
        uri: `eaio://schemas/${encodeURIComponent(`${platform.names.prefix}nope-value`)}`,
      }),
    ).rejects.toThrow(/No subject/);
  });

  it('eaio://topology shows the catalogues: topics, processors, projections', async () => {
    const read = await clientA.readResource({ uri: 'eaio://topology' });
    const first = read.contents[0];
    const topology = JSON.parse(first && 'text' in first ? first.text : '{}') as Topology;
    expect(topology.topics).toHaveLength(Object.keys(TOPICS).length);
    const readings = topology.topics.find((t) => t.key === 'sensorReadings');
    expect(readings).toMatchObject({
      topic: platform.names.topic('sensorReadings'),
      valueType: 'SensorReading',
      partitions: 6,
      cleanupPolicy: 'delete',
      retentionMs: null,
    });
    expect(topology.topics.find((t) => t.key === 'buildings')?.cleanupPolicy).toBe('compact');
    expect(topology.processors.find((p) => p.name === 'control-safety')).toEqual({
      name: 'control-safety',
      inputs: ['controlCommands', 'controlOutcomes'],
      tables: ['controlPoints', 'pointValues'],
      output: 'controlDecisions',
    });
    expect(topology.projections.find((p) => p.name === 'buildings')).toMatchObject({
      store: 'postgres',
      folds: ['buildings'],
    });
  });

  it('prompts list with their arguments, get with the tools and resources to use, and complete only visible buildings', async () => {
    const { prompts } = await clientA.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual([
      'energy_audit',
      'anomaly_investigation',
      'weekly_portfolio_summary',
    ]);
    const audit = prompts.find((p) => p.name === 'energy_audit');
    expect(audit?.arguments?.map((a) => [a.name, a.required ?? false])).toEqual([
      ['buildingId', true],
      ['to', false],
    ]);
    expect(audit?.arguments?.every((a) => (a.description ?? '').length > 10)).toBe(true);

    const got = await clientA.getPrompt({
      name: 'energy_audit',
      arguments: { buildingId: b1, to: '2016-02-01T00:00:00Z' },
    });
    const text = got.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    for (const tool of [
      'get_building',
      TOOL_NAMES.queryConsumption,
      TOOL_NAMES.compareToPeers,
      TOOL_NAMES.weatherImpact,
      TOOL_NAMES.listAnomalies,
      TOOL_NAMES.dataQualityReport,
    ])
      expect(text).toContain(tool);
    expect(text).toContain(`eaio://buildings/${b1}`);
    expect(text).toContain('from 2016-01-04T00:00:00.000Z to 2016-02-01T00:00:00Z');
    expect(text).toMatch(/provenance/i);

    const investigation = await clientA.getPrompt({
      name: 'anomaly_investigation',
      arguments: { buildingId: b1, anomalyId: 'a-42' },
    });
    expect(JSON.stringify(investigation.messages)).toContain('a-42');
    const weekly = await clientA.getPrompt({
      name: 'weekly_portfolio_summary',
      arguments: { weekStarting: '2016-01-04' },
    });
    expect(JSON.stringify(weekly.messages)).toContain('tenant t1');
    await expect(
      clientA.getPrompt({ name: 'weekly_portfolio_summary', arguments: { weekStarting: 'soon' } }),
    ).rejects.toThrow();

    const completed = await clientA.complete({
      ref: { type: 'ref/prompt', name: 'energy_audit' },
      argument: { name: 'buildingId', value: 'Sub_' },
    });
    // t1's analyst: its two buildings, never t2's.
    expect(completed.completion.values).toEqual([b3, b1]);
  });
});
