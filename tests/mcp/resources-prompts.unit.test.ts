import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServer } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildingUri,
  createBuildingDirectory,
  createMcpServerFactory,
  describeTopology,
  type McpReads,
  meterLatestUri,
  principal,
  type ResourceChange,
  resourceChangesOf,
} from '../../mcp-adapter/index.ts';
import { lastFullWeekStart } from '../../mcp-adapter/prompts/index.ts';
import {
  buildingIdOfUri,
  mayReceive,
  parseResourceChange,
} from '../../mcp-adapter/resources/subscriptions/index.ts';
import { PROCESSORS } from '../../processors/index.ts';
import { PROJECTIONS, type ProjectionEvent } from '../../projections/index.ts';
import {
  type BuildingRegistered,
  type SensorReading,
  TOPICS,
  type TopicKey,
  topicNames,
} from '../../schemas/index.ts';

const reading = (buildingId: string, meterId: string): ProjectionEvent<TopicKey> => ({
  topic: 'sensorReadings',
  partition: 0,
  offset: '1',
  event: { buildingId, meterId } as SensorReading,
});
const registration = (buildingId: string, tenantId: string | null): ProjectionEvent<TopicKey> => ({
  topic: 'buildings',
  partition: 0,
  offset: '1',
  event: { buildingId, tenantId } as BuildingRegistered,
});

/** Buildings and their tenants, as the query layer's lookups would answer them. */
const TENANTS: Record<string, string> = { A_t1: 't1', B_t2: 't2', C_t1: 't1' };
const fakeQueries = {
  buildingTenant: async (id: string) => TENANTS[id],
  buildingIds: async (options: { tenantId?: string; prefix?: string; limit?: number } = {}) =>
    Object.keys(TENANTS)
      .filter((id) => options.tenantId === undefined || TENANTS[id] === options.tenantId)
      .filter((id) => id.startsWith(options.prefix ?? ''))
      .sort()
      .slice(0, options.limit ?? 1000),
};

describe('resource changes of a batch', () => {
  it('a reading changes its building and meter once per batch, however many readings', () => {
    const changes = resourceChangesOf([reading('A_t1', 'm1'), reading('A_t1', 'm1'), reading('A_t1', 'm2')]);
    expect(changes).toEqual([
      { event: { kind: 'resource_updated', uri: buildingUri('A_t1') }, buildingId: 'A_t1' },
      { event: { kind: 'resource_updated', uri: meterLatestUri('m1') }, buildingId: 'A_t1' },
      { event: { kind: 'resource_updated', uri: meterLatestUri('m2') }, buildingId: 'A_t1' },
    ]);
  });

  it('a registration updates the building and changes the list of its tenant (the default one when unnamed)', () => {
    expect(resourceChangesOf([registration('A_t1', 't1'), registration('D', null)])).toEqual([
      { event: { kind: 'resource_updated', uri: buildingUri('A_t1') }, buildingId: 'A_t1', tenantId: 't1' },
      { event: { kind: 'resources_list_changed' }, tenantId: 't1' },
      { event: { kind: 'resource_updated', uri: buildingUri('D') }, buildingId: 'D', tenantId: 'default' },
      { event: { kind: 'resources_list_changed' }, tenantId: 'default' },
    ]);
  });

  it('other events change no resource', () => {
    const anomaly = { topic: 'anomalies', partition: 0, offset: '1', event: {} } as ProjectionEvent<TopicKey>;
    expect(resourceChangesOf([anomaly])).toEqual([]);
  });

  it('a change survives the trip through Redis; anything else is refused', () => {
    const change: ResourceChange = { event: { kind: 'resource_updated', uri: 'eaio://x' }, buildingId: 'b' };
    expect(parseResourceChange(JSON.stringify(change))).toEqual(change);
    expect(parseResourceChange('not json')).toBeUndefined();
    expect(parseResourceChange(JSON.stringify({ event: { kind: 'resource_updated' } }))).toBeUndefined();
    expect(parseResourceChange(JSON.stringify({ event: { kind: 'drop_tables' } }))).toBeUndefined();
    expect(
      parseResourceChange(JSON.stringify({ event: { kind: 'resources_list_changed' }, tenantId: 7 })),
    ).toBeUndefined();
  });

  it('a building id comes back out of its URI whatever characters it holds', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (id) => buildingIdOfUri(buildingUri(id)) === id));
    expect(buildingIdOfUri(meterLatestUri('m1'))).toBeUndefined();
  });
});

describe('who hears a change', () => {
  const directory = createBuildingDirectory(fakeQueries);
  const t1 = principal('a', 'analyst', 't1');
  const admin = principal('root', 'admin', '*');
  const updated = (uri: string, buildingId?: string): ResourceChange => ({
    event: { kind: 'resource_updated', uri },
    ...(buildingId === undefined ? {} : { buildingId }),
  });

  it("a tenant's principal hears of its buildings and meters only; an unknown building is like another tenant's", async () => {
    expect(await mayReceive(t1, updated(buildingUri('A_t1')), directory)).toBe(true);
    expect(await mayReceive(t1, updated(meterLatestUri('m'), 'A_t1'), directory)).toBe(true);
    expect(await mayReceive(t1, updated(buildingUri('B_t2')), directory)).toBe(false);
    expect(await mayReceive(t1, updated(meterLatestUri('m'), 'B_t2'), directory)).toBe(false);
    expect(await mayReceive(t1, updated(buildingUri('Nobody')), directory)).toBe(false);
  });

  it('a meter change that does not name its building reaches only a principal of every tenant', async () => {
    expect(await mayReceive(t1, updated(meterLatestUri('m')), directory)).toBe(false);
    expect(await mayReceive(admin, updated(meterLatestUri('m')), directory)).toBe(true);
  });

  it("a list change reaches its tenant's principals; changes of no building reach everyone", async () => {
    const t2List: ResourceChange = { event: { kind: 'resources_list_changed' }, tenantId: 't2' };
    expect(await mayReceive(t1, t2List, directory)).toBe(false);
    expect(await mayReceive(admin, t2List, directory)).toBe(true);
    expect(await mayReceive(t1, updated('eaio://topology'), directory)).toBe(true);
    expect(await mayReceive(undefined, { event: { kind: 'tools_list_changed' } }, directory)).toBe(true);
    expect(await mayReceive(undefined, updated(buildingUri('A_t1')), directory)).toBe(false);
  });
});

describe('topology', () => {
  const topology = describeTopology(topicNames('p.'));

  it('lists every catalogue topic, processor and projection, with full topic names', () => {
    expect(topology.topics.map((t) => t.key)).toEqual(Object.keys(TOPICS));
    expect(topology.topics.every((t) => t.topic.startsWith('p.') && t.deadLetterTopic.startsWith('p.'))).toBe(
      true,
    );
    expect(topology.processors.map((p) => p.name).sort()).toEqual(
      Object.values(PROCESSORS)
        .map((p) => p.name)
        .sort(),
    );
    expect(topology.projections.map((p) => p.name)).toEqual(PROJECTIONS.map((p) => p.name));
  });

  it('every processor and projection names topics of the catalogue', () => {
    const keys = new Set(Object.keys(TOPICS));
    for (const p of topology.processors)
      for (const k of [...p.inputs, ...p.tables, p.output]) expect(keys).toContain(k);
    for (const p of topology.projections) for (const k of p.folds) expect(keys).toContain(k);
    expect(topology.processors.find((p) => p.name === 'reading-aggregates')).toEqual({
      name: 'reading-aggregates',
      inputs: ['sensorReadings'],
      tables: [],
      output: 'readingAggregates',
    });
  });
});

describe('prompts', () => {
  async function connected(tenant: string): Promise<{ client: Client; close: () => Promise<void> }> {
    const factory = createMcpServerFactory(fakeQueries as unknown as McpReads, {
      localPrincipal: principal('p', 'analyst', tenant),
      now: () => Date.UTC(2016, 0, 13, 15),
    });
    const server = (await factory({ era: 'modern' })) as McpServer;
    const client = new Client({ name: 'eaio-prompts', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    return {
      client,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }

  it('the last full week starts on the Monday before the current week', () => {
    expect(lastFullWeekStart(Date.UTC(2016, 0, 13, 15))).toBe('2016-01-04'); // a Wednesday
    expect(lastFullWeekStart(Date.UTC(2016, 0, 11))).toBe('2016-01-04'); // a Monday
    expect(lastFullWeekStart(Date.UTC(2016, 0, 10))).toBe('2015-12-28'); // a Sunday
  });

  it('default windows come from the clock: the audit ends tomorrow at midnight, the summary is last week', async () => {
    const { client, close } = await connected('t1');
    try {
      const audit = await client.getPrompt({ name: 'energy_audit', arguments: { buildingId: 'A_t1' } });
      expect(JSON.stringify(audit.messages)).toContain(
        'from 2015-12-17T00:00:00.000Z to 2016-01-14T00:00:00.000Z',
      );
      const weekly = await client.getPrompt({ name: 'weekly_portfolio_summary', arguments: {} });
      expect(JSON.stringify(weekly.messages)).toContain(
        'from 2016-01-04T00:00:00Z to 2016-01-11T00:00:00.000Z',
      );
      const investigation = await client.getPrompt({
        name: 'anomaly_investigation',
        arguments: { buildingId: 'A_t1' },
      });
      expect(JSON.stringify(investigation.messages)).toContain(
        'the highest score between 2016-01-06T15:00:00.000Z',
      );
    } finally {
      await close();
    }
  });

  it('arguments are validated and building ids complete to the caller tenant only', async () => {
    const { client, close } = await connected('t2');
    try {
      await expect(client.getPrompt({ name: 'energy_audit', arguments: {} })).rejects.toThrow();
      await expect(
        client.getPrompt({ name: 'energy_audit', arguments: { buildingId: 'B_t2', to: 'yesterday' } }),
      ).rejects.toThrow();
      const completed = await client.complete({
        ref: { type: 'ref/prompt', name: 'anomaly_investigation' },
        argument: { name: 'buildingId', value: '' },
      });
      expect(completed.completion.values).toEqual(['B_t2']);
    } finally {
      await close();
    }
  });
});
