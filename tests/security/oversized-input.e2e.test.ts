import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_NAMES, TOOLS } from '../../mcp-adapter/index.ts';
import {
  EXECUTED,
  listTools,
  mcpHeaders,
  post,
  resultText,
  rpcOf,
  type SecurityServer,
  startSecurityServer,
  toolCall,
} from './security-server.ts';

/**
 * Bodies and arguments built to exhaust the server: larger than the body limit, nested deeper than
 * any recursive walker survives, strings far longer than any field takes. Each gets a clear refusal
 * (413 before parsing, or a tool error naming the field), nothing reaches the query layer, and the
 * server answers the next request: every test ends by asking for the tool list again.
 */

const ONE_MIB = 1_048_576;

let server: SecurityServer;
let token: string;

beforeAll(async () => {
  server = await startSecurityServer();
  token = await server.token();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => server.reset());

/** The server is still up and serving: a fresh tools/list answers every tool. */
async function expectStillServing(): Promise<void> {
  const response = await post(server.mcp.url, token, listTools);
  expect(response.status).toBe(200);
  expect((await rpcOf(response)).result?.tools).toHaveLength(TOOLS.length);
}

/** `[[[...null...]]]`, `depth` arrays deep. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}null${']'.repeat(depth)}`;
/** `{"a":{"a":...1...}}`, `depth` objects deep. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A tools/call body with `argsJson` spliced in unparsed (the nesting would not survive JSON.stringify's stack). */
const rawCall = (name: string, argsJson: string, meta = '{}') =>
  `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"${name}","arguments":${argsJson},"_meta":${meta}}}`;

/** POSTs `size` bytes with Transfer-Encoding: chunked (no Content-Length to refuse up front); the status. */
function postChunked(size: number): Promise<number> {
  const { port } = new URL(server.mcp.url);
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: Number(port), path: '/mcp', method: 'POST', headers: mcpHeaders(token) },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    // The server may answer and close while the body is still going out: the status is what counts.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('bodies over the limit', () => {
  it('refuses a 5 MB body with Content-Length 413 before reading it, and keeps serving', async () => {
    const body = JSON.stringify(
      toolCall(TOOL_NAMES.getBuilding, { buildingId: 'B_T1', padding: 'x'.repeat(5 * 1024 * 1024) }),
    );
    const response = await post(server.mcp.url, token, body);
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: `Payload Too Large: Request body must not exceed ${ONE_MIB} bytes` },
    });
    expect(server.observed.factoryCalls).toBe(0);
    await expectStillServing();
  });

  it('refuses a 5 MB chunked body (no Content-Length) 413 once the limit is crossed, and keeps serving', async () => {
    expect(await postChunked(5 * 1024 * 1024)).toBe(413);
    expect(server.observed.factoryCalls).toBe(0);
    await expectStillServing();
  });

  it('serves a body just under the limit (the control)', async () => {
    const call = toolCall(TOOL_NAMES.getBuilding, { buildingId: 'B_T1' });
    const padded = { ...call, params: { ...call.params, _meta: { padding: 'x'.repeat(ONE_MIB - 200) } } };
    const response = await post(server.mcp.url, token, padded);
    expect(response.status).toBe(200);
    expect(resultText(await rpcOf(response))).toContain(EXECUTED);
  });
});

describe('deeply nested JSON', () => {
  it('answers arrays nested 10,000 deep as a building id with a tool error naming the field', async () => {
    const response = await post(
      server.mcp.url,
      token,
      rawCall(TOOL_NAMES.getBuilding, `{"buildingId":${nestedArrays(10_000)}}`),
    );
    expect(response.status).toBe(200);
    const answer = await rpcOf(response);
    expect(answer.result?.isError).toBe(true);
    expect(resultText(answer)).toMatch(/Input validation error.*buildingId: Invalid input: expected string/);
    expect(server.observed.reads).toEqual([]);
    expect(server.observed.tenantLookups).toEqual([]);
    await expectStillServing();
  });

  it('drops objects nested 10,000 deep in an unknown argument and in _meta: the call runs on its declared arguments only, and the audit never sees them', async () => {
    const response = await post(
      server.mcp.url,
      token,
      rawCall(
        TOOL_NAMES.getBuilding,
        `{"buildingId":"B_T1","extra":${nestedObjects(10_000)}}`,
        `{"deep":${nestedObjects(10_000)}}`,
      ),
    );
    expect(response.status).toBe(200);
    expect(resultText(await rpcOf(response))).toContain(EXECUTED);
    expect(server.observed.audited.map((a) => a.args)).toEqual([{ buildingId: 'B_T1' }]);
    await expectStillServing();
  });

  it('refuses arrays nested 10,000 deep inside an admin tool array argument', async () => {
    const response = await post(
      server.mcp.url,
      token,
      rawCall(TOOL_NAMES.redriveDeadLetters, `{"ids":${nestedArrays(10_000)},"dryRun":false,"confirm":true}`),
    );
    const answer = await rpcOf(response);
    expect(answer.result?.isError).toBe(true);
    expect(resultText(answer)).toMatch(/Input validation error.*ids/);
    expect(server.observed.reads).toEqual([]);
    await expectStillServing();
  });

  it('survives 400,000-deep nesting (800 KB, under the body limit) with an error, not a crash', async () => {
    const response = await post(
      server.mcp.url,
      token,
      rawCall(TOOL_NAMES.getBuilding, `{"buildingId":${nestedArrays(400_000)}}`),
    );
    // Whatever layer gives up first, it answers; a stack overflow must not take the process down.
    expect([200, 400, 500]).toContain(response.status);
    await response.text();
    expect(server.observed.reads).toEqual([]);
    await expectStillServing();
  });
});

describe('strings far longer than a field takes', () => {
  it('answers a 1 MB building id with a tool error naming the 200-character limit, without echoing it', async () => {
    const started = performance.now();
    const response = await post(
      server.mcp.url,
      token,
      toolCall(TOOL_NAMES.getBuilding, { buildingId: 'B'.repeat(1_000_000) }),
    );
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toMatch(/buildingId: Too big: expected string to have <=200 characters/);
    // The refusal is a sentence, not an amplifier: the megabyte is not sent back.
    expect(text.length).toBeLessThan(1_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.observed.reads).toEqual([]);
    expect(server.observed.tenantLookups).toEqual([]);
    await expectStillServing();
  });

  it('refuses a 1 MB string in every string argument of every tool before the tool runs', async () => {
    const listed = (await rpcOf(await post(server.mcp.url, token, listTools))).result?.tools ?? [];
    const tools = listed as readonly {
      name: string;
      inputSchema: { properties?: Record<string, { type?: string; enum?: unknown }> };
    }[];
    const big = 'Z'.repeat(1_000_000);
    let probed = 0;
    for (const tool of tools) {
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        if (schema.type !== 'string') continue;
        const response = await post(server.mcp.url, token, toolCall(tool.name, { [field]: big }));
        const answer = await rpcOf(response);
        expect(answer.result?.isError, `${tool.name}.${field}`).toBe(true);
        expect(resultText(answer), `${tool.name}.${field}`).toMatch(/Input validation error/);
        probed += 1;
      }
    }
    expect(probed).toBeGreaterThan(TOOLS.length);
    expect(server.observed.reads).toEqual([]);
    await expectStillServing();
  });
});

describe('bodies that are not JSON-RPC', () => {
  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON string', '"tools/call"'],
    ['an unterminated object', '{"jsonrpc":"2.0","id":1,"method":"tools/list"'],
  ])('answers %s 400 with a parse or invalid-request error', async (_name, body) => {
    const response = await post(server.mcp.url, token, body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error?: { code: number } };
    expect([-32700, -32600]).toContain(answer.error?.code);
    expect(server.observed.reads).toEqual([]);
    await expectStillServing();
  });
});
