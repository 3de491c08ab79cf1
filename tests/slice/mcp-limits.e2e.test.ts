import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

describe('`eaio mcp` rate limits: held across an adapter restart, reloaded from the config file', () => {
  let platform: TestPlatform;
  let dir: string;
  let client: Client | undefined;

  /** Saves the config file the way editors do (a new file renamed over the old one). */
  const saveConfig = (requestsPerMinute: number) => {
    const temp = join(dir, '.eaio.config.json.tmp');
    writeFileSync(temp, JSON.stringify({ mcp: { rateLimit: { requestsPerMinute, burst: 1 } } }));
    renameSync(temp, join(dir, 'eaio.config.json'));
  };

  /** Starts `eaio mcp --stdio` in `dir` (reading its config file), as a desktop agent would. */
  async function startAdapter(): Promise<Client> {
    const started = new Client({ name: 'eaio-limits-e2e', version: '1.0.0' });
    await started.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--stdio'],
        cwd: dir,
        env: { ...getDefaultEnvironment(), ...platform.childEnv },
        stderr: 'pipe',
      }),
    );
    return started;
  }

  /** One tool call; any answer (an unknown command here) counts against the caller's limit. */
  async function callOnce(adapter: Client) {
    const result = await adapter.callTool({
      name: TOOL_NAMES.getCommandStatus,
      arguments: { commandId: 'no-such-command' },
    });
    const text = (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
    return { limited: text.startsWith('Rate limit reached'), text };
  }

  beforeAll(async () => {
    platform = await createTestPlatform('mcp_limits');
    dir = mkdtempSync(join(tmpdir(), 'eaio-mcp-limits-'));
    saveConfig(2);
  });
  afterAll(async () => {
    await client?.close();
    await platform?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the call over the limit, still after a restart, and follows a config edit without one', async () => {
    client = await startAdapter();
    for (let i = 0; i < 3; i++) expect((await callOnce(client)).limited, `call ${i + 1}`).toBe(false);
    const refused = await callOnce(client);
    expect(refused.limited).toBe(true);
    expect(refused.text).toMatch(
      /^Rate limit reached: 'local' made 2 tool calls in 60 s \(and used its burst of 1\)\. Retry in \d+ s\.$/,
    );

    // A new adapter process finds the count in Redis.
    await client.close();
    client = await startAdapter();
    expect((await callOnce(client)).limited).toBe(true);

    // Raised in the config file: the running adapter admits calls again without a restart.
    saveConfig(50);
    await waitFor(
      'the raised limit applied',
      async () => ((await callOnce(client as Client)).limited ? undefined : true),
      {
        timeoutMs: 15_000,
        intervalMs: 200,
      },
    );
  });
});
