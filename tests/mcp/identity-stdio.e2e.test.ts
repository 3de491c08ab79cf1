import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, TOOL_NAMES, TOOLS } from '../../mcp-adapter/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

describe('`eaio mcp --stdio` runs as the configured local principal (mcp.stdio)', () => {
  let platform: TestPlatform;
  let client: Client;

  beforeAll(async () => {
    platform = await createTestPlatform('stdio_principal');
    client = new Client({ name: 'eaio-stdio-principal', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--stdio'],
        env: {
          ...getDefaultEnvironment(),
          ...platform.childEnv,
          EAIO_MCP_STDIO_SUBJECT: 'desk-agent',
          EAIO_MCP_STDIO_ROLE: 'viewer',
          EAIO_MCP_STDIO_TENANT: 't1',
        },
        stderr: 'pipe',
      }),
    );
  });

  afterAll(async () => {
    await client?.close();
    await platform?.dispose();
  });

  it('shows a viewer only the energy:read tools, and refuses weather_impact', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(TOOLS.filter((t) => t.scope === SCOPES.energyRead).map((t) => t.name));
    expect(names).not.toContain(TOOL_NAMES.weatherImpact);
    const outcome = await client
      .callTool({
        name: TOOL_NAMES.weatherImpact,
        arguments: {
          buildingId: 'Office_Cristina',
          from: '2015-01-01T00:00:00Z',
          to: '2015-02-01T00:00:00Z',
        },
      })
      .then(
        (result) => result.isError === true,
        () => true,
      );
    expect(outcome).toBe(true);
  });
});
