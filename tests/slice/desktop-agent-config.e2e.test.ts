import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { desktopAgentServer } from '../../app/commands/index.ts';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('the desktop agent config `npm start` prints', () => {
  let platform: TestPlatform;
  let stateDir: string;
  let client: Client | undefined;

  beforeAll(async () => {
    platform = await createTestPlatform('desktop');
    // A state folder of its own, so the server can only have found the stack through the pinned one.
    stateDir = await mkdtemp(join(tmpdir(), 'eaio-desktop-state-'));
    await writeFile(join(stateDir, 'endpoints.json'), JSON.stringify(inject('endpoints')));
  });

  afterAll(async () => {
    await client?.close();
    await platform?.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('names this checkout by absolute paths, never npx', () => {
    const server = desktopAgentServer({
      stateDir: '.stack',
      configFile: 'eaio.config.json',
      cwd: '/srv/eaio',
    });
    expect(server.command).toBe(process.execPath);
    expect(server.args[0]).toMatch(/^\/.*\/bin\/eaio\.js$/);
    expect(server.args.slice(1)).toEqual(['mcp', '--stdio']);
    expect(server.env).toEqual({
      EAIO_STATE_DIR: '/srv/eaio/.stack',
      EAIO_CONFIG_FILE: '/srv/eaio/eaio.config.json',
    });
  });

  it('starts, spawned exactly as written from another directory, and lists the tools', async () => {
    const server = desktopAgentServer({ stateDir, configFile: undefined, cwd: process.cwd() });
    // The isolation of this test file (topic, schema and key prefixes) rides on top, as a user's env would.
    const { EAIO_TOPIC_PREFIX, EAIO_POSTGRES_SCHEMA, EAIO_REDIS_KEY_PREFIX, EAIO_LOG_LEVEL } =
      platform.childEnv;
    client = new Client({ name: 'eaio-desktop-e2e', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: server.command,
        args: [...server.args],
        env: {
          ...getDefaultEnvironment(),
          ...server.env,
          ...{ EAIO_TOPIC_PREFIX, EAIO_POSTGRES_SCHEMA, EAIO_REDIS_KEY_PREFIX, EAIO_LOG_LEVEL },
        } as Record<string, string>,
        cwd: tmpdir(),
        stderr: 'pipe',
      }),
    );
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain(TOOL_NAMES.getLatestReadings);
  });
});
