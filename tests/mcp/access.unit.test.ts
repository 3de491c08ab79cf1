import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { AuthInfo, McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import {
  createMcpServerFactory,
  type McpReads,
  type PrincipalClaims,
  principal,
  ROLES,
  TOOL_NAMES,
  TOOLS,
} from '../../mcp-adapter/index.ts';

function authInfo(claims: PrincipalClaims, scopes: string[]): AuthInfo {
  return { token: 't', clientId: claims.subject, scopes, extra: { ...claims } };
}

async function listedTools(auth: AuthInfo): Promise<string[]> {
  const context: McpRequestContext = { era: 'modern', authInfo: auth };
  const server = (await createMcpServerFactory({} as McpReads)(context)) as McpServer;
  const client = new Client({ name: 'eaio-access', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
    await server.close();
  }
}

describe('access by scope', () => {
  it('a principal holds only the scopes its role grants, however many its token asks for', () => {
    const viewer = principal('v', 'viewer', 't1', ['energy:read', 'weather:read', 'admin', 'nonsense']);
    expect([...viewer.scopes]).toEqual(['energy:read']);
    for (const role of ROLES) expect(principal('x', role, 't1').scopes.size).toBeGreaterThan(0);
  });

  it('tools/list shows a caller only the tools its scopes allow', async () => {
    const viewer = await listedTools(
      authInfo({ subject: 'v', role: 'viewer', tenant: 't1' }, ['energy:read']),
    );
    expect(viewer).not.toContain(TOOL_NAMES.weatherImpact);
    expect(viewer).toContain(TOOL_NAMES.getLatestReadings);
    expect(viewer).toEqual(TOOLS.filter((t) => t.scope === 'energy:read').map((t) => t.name));
    const analyst = await listedTools(
      authInfo({ subject: 'a', role: 'analyst', tenant: 't1' }, ['energy:read', 'weather:read']),
    );
    expect(analyst).toContain(TOOL_NAMES.weatherImpact);
  });

  it('a token narrowed to fewer scopes than its role grants sees fewer tools', async () => {
    const narrowed = await listedTools(
      authInfo({ subject: 'a', role: 'analyst', tenant: 't1' }, ['weather:read']),
    );
    expect(narrowed).toEqual(TOOLS.filter((t) => t.scope === 'weather:read').map((t) => t.name));
  });
});
