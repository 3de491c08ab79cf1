import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import {
  EXECUTED,
  mcpHeaders,
  rawPost,
  type SecurityServer,
  startSecurityServer,
  toolCall,
} from './security-server.ts';

/**
 * DNS rebinding: a page on attacker.example whose name the attacker re-points at 127.0.0.1 makes the
 * victim's browser send requests to the loopback server with `Host: attacker.example` and
 * `Origin: http://attacker.example`. The server checks both on every request (the SDK's
 * `hostHeaderValidation` and `originValidation`, fed loopback names, the resource URI's host and the
 * configured extras) and answers 403 before the bearer gate. The requests below carry a valid admin
 * token, so only those checks stand between them and the tool.
 */

const CALL = JSON.stringify(toolCall(TOOL_NAMES.listDeadLetters, {}));

let server: SecurityServer;
let token: string;
let port: string;

beforeAll(async () => {
  server = await startSecurityServer();
  token = await server.token();
  port = new URL(server.mcp.url).port;
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => server.reset());

const withHost = (host: string, extra: Record<string, string> = {}) =>
  rawPost(server.mcp.url, { ...mcpHeaders(token, extra), host }, CALL);

describe('the Host header', () => {
  it.each([
    ['localhost'],
    ['127.0.0.1'],
    ['mcp.eaio.test'], // the resource URI's host: a reverse proxy in front forwards it
  ])('%s is served (the control)', async (hostname) => {
    const { status, body } = await withHost(`${hostname}:${port}`);
    expect(status).toBe(200);
    expect(body).toContain(EXECUTED);
    expect(server.observed.factoryCalls).toBe(1);
  });

  it.each([
    ['attacker.example'],
    ['attacker.example:80'],
    ['localhost.attacker.example'],
    ['127.0.0.1.nip.io'],
    ['localhost@attacker.example'],
    ['[::ffff:7f00:1]'], // 127.0.0.1 as an IPv4-mapped IPv6 address: not a name on the list
  ])('%s is refused 403 before the token is looked at, nothing executed', async (host) => {
    const { status, body } = await withHost(host);
    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/Host/) },
    });
    expect(server.observed.factoryCalls).toBe(0);
    expect(server.observed.reads).toEqual([]);
  });

  it('refuses a foreign Host on the metadata document too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(port),
          path: '/.well-known/oauth-protected-resource/mcp',
          headers: { host: 'attacker.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('refuses a request without a Host header', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(port),
          path: '/mcp',
          method: 'POST',
          setHost: false,
          headers: mcpHeaders(token),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(CALL);
    });
    // Node's HTTP/1.1 parser answers 400 itself (requireHostHeader); the SDK check would say 403.
    expect([400, 403]).toContain(status);
    expect(server.observed.factoryCalls).toBe(0);
  });
});

describe('the Origin header', () => {
  it.each([
    ['http://localhost:5173'],
    ['http://127.0.0.1:6274'], // the MCP Inspector's UI
  ])('%s (a local page) is served (the control)', async (origin) => {
    const { status } = await withHost(`127.0.0.1:${port}`, { origin });
    expect(status).toBe(200);
    expect(server.observed.factoryCalls).toBe(1);
  });

  it.each([
    ['http://attacker.example'],
    ['https://localhost.attacker.example'],
    ['null'], // a sandboxed iframe or a file:// page
    ['not a url'],
  ])('%s is refused 403, nothing executed', async (origin) => {
    const { status, body } = await withHost(`127.0.0.1:${port}`, { origin });
    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ error: { message: expect.stringMatching(/Origin/) } });
    expect(server.observed.factoryCalls).toBe(0);
    expect(server.observed.reads).toEqual([]);
  });
});
