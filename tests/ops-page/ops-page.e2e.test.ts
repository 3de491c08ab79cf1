import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformPipelineAdmin, runDeadLetterIndex } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { createJwtVerifier, type RunningOpsPageServer, startOpsPageServer } from '../../mcp-adapter/index.ts';
import { createQueryLayer, type RunningDeadLetterIndex } from '../../projections/index.ts';
import {
  anomalyAt,
  commandLifecycle,
  datasetReadings,
  issueAt,
  produce,
  type RunningDataSet,
  startDataSet,
  weatherHours,
} from '../support/query-data-set.ts';
import { TEST_AUDIENCE, TEST_ISSUER, type TestAuth, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';
/** Where each page's screenshot is kept: `.artifacts/screenshots/<page>.png` in the checkout (gitignored). */
const SCREENSHOTS = join(process.cwd(), '.artifacts', 'screenshots');

describe('the operations page in headless Chromium: data produced through Kafka, shown, re-driven, role-checked', () => {
  let platform: TestPlatform;
  let dataSet: RunningDataSet;
  let index: RunningDeadLetterIndex;
  let server: RunningOpsPageServer;
  let auth: TestAuth;
  let browser: Browser;
  let admin: BrowserContext;
  const readings = datasetReadings();
  const commandId = randomUUID();
  const notAvro = Buffer.from('not avro: a poison record for the dead-letter page');
  let poisonId = '';

  const readingsTopic = () => platform.names.topic('sensorReadings');
  /** The readings topic's end offsets summed: one more for each event put on it. */
  const readingsEnd = async () => {
    const kafkaAdmin = platform.kafka.admin();
    await kafkaAdmin.connect();
    try {
      return (await kafkaAdmin.fetchTopicOffsets(readingsTopic())).reduce((n, p) => n + BigInt(p.high), 0n);
    } finally {
      await kafkaAdmin.disconnect();
    }
  };
  const poisonCopies = async () =>
    (await readTopicToEnd(platform.kafka, readingsTopic())).filter((m) => m.message.value?.equals(notAvro))
      .length;

  async function signedIn(token: string): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}login`);
    await page.fill('#token', token);
    await page.click('form.login button[type=submit]');
    await page.waitForURL(server.url);
    await page.close();
    return context;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** Opens `path` and reloads it until `ready` holds (the page shows what the read models hold now). */
  async function openUntil(page: Page, path: string, what: string, ready: () => Promise<boolean>) {
    await page.goto(`${server.url}${path.replace(/^\//, '')}`);
    await waitFor(
      what,
      async () => {
        if (await ready()) return true;
        await page.reload();
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  }

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    platform = await createTestPlatform('ops_page');
    dataSet = await startDataSet(platform, readings);
    await produce(
      platform,
      'anomalies',
      [anomalyAt(3, 4.5), anomalyAt(7, 9.1), anomalyAt(5, 12)],
      (a) => a.meterId,
    );
    await produce(
      platform,
      'dataQualityIssues',
      [issueAt(1, 'spike'), issueAt(2, 'spike'), issueAt(9, 'gap')],
      (i) => i.meterId,
    );
    const command = commandLifecycle(commandId);
    await produce(platform, 'controlCommands', [command.requested], () => command.key);
    await produce(platform, 'controlDecisions', [command.decided], () => command.key);
    await produce(platform, 'controlOutcomes', [command.outcome], () => command.key);
    await produce(platform, 'weatherHourly', weatherHours(), (w) => w.stationId);
    const producer = await platform.producer();
    await producer.send({
      topic: readingsTopic(),
      acks: -1,
      messages: [{ key: 'poison-meter', value: notAvro }],
    });
    index = await runDeadLetterIndex(platform);
    const queries = createQueryLayer(platform);
    poisonId = await waitFor(
      'the poison record dead-lettered by the projector and indexed',
      async () => {
        const { entries } = (await queries.deadLetters({})).data;
        const entry = entries.find((e) => e.consumers.includes('projector'));
        return entry?.id;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    auth = await testAuth();
    const jwt = auth.auth.mode === 'jwt' ? auth.auth : undefined;
    if (jwt === undefined) throw new Error('test auth is not jwt');
    server = await startOpsPageServer({
      host: '127.0.0.1',
      port: 0,
      refreshSeconds: 60,
      logger: platform.logger,
      reads: { ...queries, pipeline: createPlatformPipelineAdmin(platform) },
      auth: {
        mode: 'token',
        verifier: createJwtVerifier({
          issuer: TEST_ISSUER,
          audience: TEST_AUDIENCE,
          algorithms: jwt.algorithms,
          keys: jwt.keys,
        }),
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    admin = await signedIn(await auth.token({ sub: 'ops-admin' }));
  }, 240_000);

  afterAll(async () => {
    await admin?.close();
    await browser?.close();
    await server?.close();
    await index?.stop();
    await dataSet?.stop();
    await platform?.dispose();
  });

  it('refuses a bad token at sign-in and sends the signed-out to the sign-in page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}pipeline`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#token', await auth.token({ aud: 'https://elsewhere.example/mcp' }));
    await page.click('form.login button[type=submit]');
    await expect(page.locator('p.error').textContent()).resolves.toContain('audience');
    await shot(page, 'login');
    await context.close();
  });

  it('pipeline: topics with their sizes and rates, and each stage with its lag', async () => {
    const page = await admin.newPage();
    const produced = String(readings.length + 1);
    const topicRow = page.locator(`tr[data-topic="${readingsTopic()}"]`);
    await page.goto(`${server.url}pipeline`);
    await expect(topicRow.locator('[data-field=messages]').textContent()).resolves.toBe(
      Number(produced).toLocaleString('en'),
    );
    // The data-quality processor never ran in this test: it lags by everything on its input.
    const neverRan = page.locator(
      `tr[data-consumer="processor:data-quality"][data-topic="${readingsTopic()}"] [data-field=lag]`,
    );
    await expect(neverRan.textContent()).resolves.toBe(Number(produced).toLocaleString('en'));
    // The projector ran and passed everything, the poison record included (dead-lettered).
    const projectorLag = page.locator(
      `tr[data-consumer="projector"][data-topic="${readingsTopic()}"] [data-field=lag]`,
    );
    await openUntil(page, '/pipeline', 'the projector caught up on the readings', async () => {
      return (await projectorLag.textContent()) === '0';
    });
    // A rate needs two views at least a second apart: nothing is produced meanwhile, so it is zero.
    await openUntil(page, '/pipeline', 'a measured rate', async () =>
      /\/s$/.test((await topicRow.locator('[data-field=rate]').textContent()) ?? ''),
    );
    await expect(topicRow.locator('[data-field=rate]').textContent()).resolves.toBe('0.00/s');
    await shot(page, 'pipeline');
    await page.close();
  });

  it('read models: each generation with its progress and lag', async () => {
    const page = await admin.newPage();
    const row = page.locator('tr[data-projection="readings"][data-status="active"]');
    await openUntil(page, '/read-models', 'the readings read model caught up', async () => {
      return (await row.count()) === 1 && (await row.locator('[data-field=lag]').textContent()) === '0';
    });
    await expect(row.locator('[data-field=progress]').textContent()).resolves.toBe('100.0%');
    await expect(row.getAttribute('data-generation')).resolves.toBe('1');
    await shot(page, 'read-models');
    await page.close();
  });

  it('building view: meters, the chart against the weather, anomalies and data-quality issues marked', async () => {
    const page = await admin.newPage();
    await page.goto(`${server.url}buildings/Office_A`);
    // Office_A:e0's newest reading (hour 60): 10 + 0 + 60 % 24.
    await expect(
      page.locator('tr[data-meter="Office_A:e0"] [data-field=latest]').textContent(),
    ).resolves.toBe('22');
    await expect(page.locator('[data-testid=anomalies] tbody tr').count()).resolves.toBe(3);
    await expect(page.locator('[data-testid=issues] tbody tr').count()).resolves.toBe(3);
    const status = page.locator('[data-testid=chart-status]');
    await waitFor(
      'the chart drawn from the series',
      async () => ((await status.textContent())?.includes('hours from') ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await expect(status.textContent()).resolves.toContain('3 anomalies, 3 data-quality issues marked');
    // 48 hours with readings (the 1-hour rollups) and weather at station ST1.
    expect(Number(await page.locator('#chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(48);
    await expect(page.locator('.u-legend').textContent()).resolves.toContain('temperature (°C)');
    await expect(page.locator('.u-legend').textContent()).resolves.toContain('electricity (kWh)');
    await shot(page, 'building');
    await page.goto(server.url);
    await expect(page.locator('tr[data-building]').count()).resolves.toBe(5);
    await shot(page, 'buildings');
    await page.close();
  });

  it('command timeline: each step of a command produced through Kafka', async () => {
    const page = await admin.newPage();
    const steps = page.locator(`li[data-command="${commandId}"]`);
    await openUntil(
      page,
      '/commands',
      'the command lifecycle projected',
      async () => (await steps.count()) === 3,
    );
    const statuses = await steps.evaluateAll((items) => items.map((i) => i.getAttribute('data-status')));
    expect(statuses.sort()).toEqual(['accepted', 'acknowledged', 'requested']);
    await shot(page, 'commands');
    await page.close();
  });

  it('dead letters: the reason shown, and a re-drive from the page reaches the topic', async () => {
    const page = await admin.newPage();
    await page.goto(`${server.url}dead-letters`);
    const row = page.locator(`tr[data-letter="${poisonId}"]`);
    await expect(row.textContent()).resolves.toContain('SCHEMA_FRAMING');
    await expect(row.locator('[data-field=state]').textContent()).resolves.toBe('pending');
    await shot(page, 'dead-letters');
    const before = await readingsEnd();
    await row.locator('button[data-action=redrive]').click();
    await page.waitForURL(/\/dead-letters\?redriven=/);
    await expect(page.locator('[data-testid=redrive-notice]').textContent()).resolves.toContain(
      '1 event(s) sent back',
    );
    // Back on the source topic, byte for byte: the poison bytes are there twice now. (The end offset
    // grows by the event and the re-drive transaction's commit marker.)
    expect(await readingsEnd()).toBeGreaterThan(before);
    expect(await poisonCopies()).toBe(2);
    await openUntil(page, '/dead-letters', 'the re-drive indexed', async () => {
      return (await row.locator('[data-field=state]').textContent()) === 're-driven';
    });
    await expect(row.locator('button[data-action=redrive]').count()).resolves.toBe(0);
    await shot(page, 'dead-letters-redriven');
    await page.close();
  });

  it('a viewer sees no admin page nor control, and a forged re-drive POST is refused server-side', async () => {
    const viewer = await signedIn(await auth.token({ sub: 'ops-viewer', role: 'viewer', tenant: 'default' }));
    const page = await viewer.newPage();
    await page.goto(server.url);
    await expect(page.locator('[data-testid=who]').textContent()).resolves.toContain('viewer');
    await expect(page.locator('a[data-nav="/dead-letters"], a[data-nav="/pipeline"]').count()).resolves.toBe(
      0,
    );
    await expect(page.locator('tr[data-building="Office_A"]').count()).resolves.toBe(1);
    const refused = await page.goto(`${server.url}dead-letters`);
    expect(refused?.status()).toBe(403);
    await expect(page.locator('button[data-action=redrive]').count()).resolves.toBe(0);
    await shot(page, 'viewer-dead-letters-refused');
    // A viewer has no weather scope: the building chart draws consumption alone.
    await page.goto(`${server.url}buildings/Office_A`);
    await waitFor(
      'the viewer chart drawn',
      async () => ((await page.locator('.u-legend').count()) === 1 ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await expect(page.locator('.u-legend').textContent()).resolves.not.toContain('temperature');
    await shot(page, 'viewer-building');
    const before = await readingsEnd();
    // Same origin, the viewer's own cookie: past the CSRF check, refused by the role check.
    const forged = await page.request.post(`${server.url}dead-letters/redrive`, {
      form: { id: poisonId },
      headers: { origin: new URL(server.url).origin },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('for admins of every tenant');
    expect(await readingsEnd()).toBe(before);
    await viewer.close();
  });
});
