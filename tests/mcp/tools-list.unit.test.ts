import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createMcpServerFactory, type McpReads, TOOL_NAMES } from '../../mcp-adapter/index.ts';

describe('tools/list', () => {
  it('is the contract in tests/mcp/tools-list.snapshot.json: a change to it is made on purpose', async () => {
    // Listing reads nothing: no query is ever called.
    const server = (await createMcpServerFactory({} as McpReads)({} as McpRequestContext)) as McpServer;
    const client = new Client({ name: 'eaio-contract', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(Object.values(TOOL_NAMES));
      const contract = tools.map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({
        name,
        title,
        description,
        inputSchema,
        outputSchema,
        annotations,
      }));
      await expect(`${JSON.stringify(contract, null, 2)}\n`).toMatchFileSnapshot(
        './tools-list.snapshot.json',
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});
