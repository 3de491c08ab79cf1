import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { buildingUri, meterLatestUri, TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { loadBdg1Sample, publishBuildings, publishReadings } from '../../sources/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

describe('`eaio mcp --stdio`, as a desktop agent starts it', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let client: Client;
  const updated: string[] = [];
  const buildingId = 'PrimClass_Jayla';
  const readings = hourlyReadings(buildingId, 2, 10);

  beforeAll(async () => {
    platform = await createTestPlatform('stdio');
    const deps = await platform.feedDeps();
    await publishBuildings(
      deps,
      (await loadBdg1Sample()).filter((b) => b.buildingId === buildingId),
      new Date(Date.UTC(2015, 0, 1)),
    );
    await publishReadings(deps, readings);
    projector = await runProjector(platform);
    await platform.waitForReadings(readings.length);
    client = new Client({ name: 'eaio-stdio-e2e', version: '1.0.0' });
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--stdio'],
        env: { ...getDefaultEnvironment(), ...platform.childEnv },
        stderr: 'pipe',
      }),
    );
  });

  afterAll(async () => {
    await client?.close();
    await projector?.stop();
    await platform?.dispose();
  });

  it('lists the tools and the building, meter and schema resource templates', async () => {
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(Object.values(TOOL_NAMES));
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining([
        'eaio://buildings/{id}',
        'eaio://meters/{id}/latest',
        'eaio://schemas/{subject}',
      ]),
    );
  });

  it('answers get_latest_readings from the read models over stdio', async () => {
    const expected = latestPerMeter(readings);
    await waitFor('redis latest values', async () => {
      const result = await client.callTool({ name: TOOL_NAMES.getLatestReadings, arguments: { buildingId } });
      const got = (result.structuredContent as { readings: { meterId: string; value: number }[] } | undefined)
        ?.readings;
      return got?.length === expected.size ? got : undefined;
    }).then((got) => {
      for (const r of got) expect(r.value).toBe(expected.get(r.meterId)?.value);
    });
  });

  it('notifies a resources/subscribe subscriber when the projector (another process) applies a newer reading', async () => {
    await client.subscribeResource({ uri: buildingUri(buildingId) });
    const later = hourlyReadings(buildingId, 1, 1, Date.UTC(2015, 0, 2));
    await publishReadings(await platform.feedDeps(), later);
    await waitFor('the building update notification', async () =>
      updated.includes(buildingUri(buildingId)) ? true : undefined,
    );
  });

  it('a 2026-07-28 stdio client hears, on its subscriptions/listen stream, only the resources it listed', async () => {
    const modern = new Client(
      { name: 'eaio-stdio-modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const heard: string[] = [];
    modern.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    await modern.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--stdio'],
        env: { ...getDefaultEnvironment(), ...platform.childEnv },
        stderr: 'pipe',
      }),
    );
    try {
      const meterId = `${buildingId}:m1`;
      const subscription = await modern.listen({ resourceSubscriptions: [meterLatestUri(meterId)] });
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual([meterLatestUri(meterId)]);
      await publishReadings(
        await platform.feedDeps(),
        hourlyReadings(buildingId, 2, 1, Date.UTC(2015, 0, 3)),
      );
      await waitFor('the meter update notification', async () =>
        heard.includes(meterLatestUri(meterId)) ? true : undefined,
      );
      // The building changed too, but this stream did not list it.
      expect(heard).not.toContain(buildingUri(buildingId));
      await subscription.close();
    } finally {
      await modern.close();
    }
  });
});
