import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, ROLE_SCOPES, ROLES, type Role, TOOL_NAMES, TOOLS } from '../../mcp-adapter/index.ts';
import {
  EXECUTED,
  listTools,
  post,
  resultText,
  rpcOf,
  type SecurityServer,
  startSecurityServer,
  toolCall,
} from './security-server.ts';

/**
 * Role x scope x tenant x tool, over HTTP: fast-check draws a token (role, tenant claim, optional
 * `scope` claim narrowing the role) and a tool, calls the tool with valid arguments about t1's
 * building, and checks the outcome against an oracle written from the role table of docs/mcp-tools.md, not from
 * the code: a call either runs (its handle reaches the spy query layer), or is refused, and a refused
 * one read nothing.
 */

const FROM = '2016-01-01T00:00:00Z';
const TO = '2016-03-01T00:00:00Z';
const B = 'B_T1';

/** Valid arguments of every tool, about building B_T1 (tenant t1) where the tool takes a building. */
const ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  [TOOL_NAMES.getLatestReadings]: { buildingId: B },
  [TOOL_NAMES.queryConsumption]: { buildingId: B, from: FROM, to: TO, bucket: '1d' },
  [TOOL_NAMES.compareToPeers]: { buildingId: B, from: FROM, to: TO },
  [TOOL_NAMES.weatherImpact]: { buildingId: B, from: FROM, to: TO },
  [TOOL_NAMES.estimateSavings]: { buildingId: B, changeDate: '2016-02-01T00:00:00Z' },
  [TOOL_NAMES.listAnomalies]: { buildingId: B },
  [TOOL_NAMES.dataQualityReport]: { buildingId: B, from: FROM, to: TO },
  [TOOL_NAMES.getCommandStatus]: { commandId: 'cmd-1' },
  [TOOL_NAMES.proposeControlCommand]: {
    buildingId: B,
    pointId: 'B_T1/zone-1/setpoint',
    value: 22,
    unit: 'degC',
    durationMinutes: 30,
  },
  [TOOL_NAMES.approveControlCommand]: { commandId: 'cmd-1' },
  [TOOL_NAMES.cancelControlCommand]: { commandId: 'cmd-1' },
  [TOOL_NAMES.heartbeatControlCommand]: { commandId: 'cmd-1' },
  [TOOL_NAMES.listBuildings]: {},
  [TOOL_NAMES.getBuilding]: { buildingId: B },
  [TOOL_NAMES.getCurrentWeather]: { buildingId: B },
  [TOOL_NAMES.listAuditRecords]: {},
  [TOOL_NAMES.getPipelineStatus]: {},
  [TOOL_NAMES.getReplayStatus]: {},
  [TOOL_NAMES.getOperationStats]: {},
  [TOOL_NAMES.listDeadLetters]: {},
  [TOOL_NAMES.showDeadLetter]: { id: 'readings.dlq/0/0' },
  [TOOL_NAMES.redriveDeadLetters]: { ids: ['readings.dlq/0/0'] },
  forecast_consumption: { buildingId: B },
  compare_models: { versionA: 'towt-v1', versionB: 'towt-v2', buildingId: B },
  promote_model: {
    version: 'towt-v2',
    scope: 'building',
    buildingId: B,
    reason: 'better',
    dryRun: false,
    confirm: true,
  },
  recommend_actions: { buildingId: B, from: FROM, to: TO },
  find_similar_buildings: { buildingId: B, from: FROM, to: TO },
  benchmark_trend: { buildingId: B, from: FROM, to: TO },
};

/** Tools that read every tenant's data: only a principal of every tenant runs them (docs/mcp-tools.md, admin tools). */
const EVERY_TENANT_TOOLS = new Set<string>([
  TOOL_NAMES.listDeadLetters,
  TOOL_NAMES.showDeadLetter,
  TOOL_NAMES.redriveDeadLetters,
]);

type Outcome = 'token-invalid' | 'no-scope' | 'denied' | 'unseen' | 'executed';

interface Case {
  readonly role: Role;
  /** The `tenant` claim; undefined leaves it out. */
  readonly tenant: string | undefined;
  /** The `scope` claim; undefined leaves it out (the role's scopes). */
  readonly scope: readonly string[] | undefined;
  readonly tool: string;
}

/** What the role table of docs/mcp-tools.md and tenant rules say a call must come to. */
function oracle({ role, tenant, scope, tool }: Case): Outcome {
  if (tenant === undefined && role !== 'admin') return 'token-invalid';
  if (tenant === '*' && role !== 'admin') return 'token-invalid';
  const held = ROLE_SCOPES[role].filter((s) => scope === undefined || scope.includes(s));
  if (held.length === 0) return 'no-scope';
  const definition = TOOLS.find((t) => t.name === tool);
  if (definition === undefined || !held.includes(definition.scope)) return 'denied';
  const everyTenant = tenant === undefined || tenant === '*';
  if (EVERY_TENANT_TOOLS.has(tool) && !everyTenant) return 'unseen';
  if (ARGS[tool]?.buildingId === B && !everyTenant && tenant !== 't1') return 'unseen';
  return 'executed';
}

let server: SecurityServer;

beforeAll(async () => {
  server = await startSecurityServer();
});

afterAll(async () => {
  await server?.close();
});

async function call(c: Case): Promise<Outcome> {
  const token = await server.token({
    sub: `user-${c.role}`,
    role: c.role,
    tenant: c.tenant,
    scope: c.scope?.join(' '),
  });
  const response = await post(server.mcp.url, token, toolCall(c.tool, ARGS[c.tool] ?? {}));
  if (response.status === 401) return 'token-invalid';
  if (response.status === 403) return 'no-scope';
  expect(response.status).toBe(200);
  const text = resultText(await rpcOf(response));
  if (text.includes(EXECUTED)) return 'executed';
  if (/needs the scope/.test(text)) return 'denied';
  if (/No building 'B_T1' is known|Dead letters hold every tenant/.test(text)) return 'unseen';
  throw new Error(`unexpected answer of ${c.tool}: ${text}`);
}

describe('the access matrix', () => {
  it('covers every registered tool: an admin of every tenant lists them all and runs each', async () => {
    const listed = (await rpcOf(await post(server.mcp.url, await server.token(), listTools))).result?.tools;
    const names = (listed ?? []).map((t) => t.name).sort();
    expect(names).toEqual(TOOLS.map((t) => t.name).sort());
    expect(Object.keys(ARGS).sort()).toEqual(names);
    // The control for the property: with every right, each tool's arguments get it to the query layer.
    for (const tool of names)
      expect(await call({ role: 'admin', tenant: undefined, scope: undefined, tool }), tool).toBe('executed');
  });

  it('lists each role exactly the tools of its scopes', async () => {
    for (const role of ROLES) {
      const token = await server.token({ role, tenant: 't1' });
      const listed = (await rpcOf(await post(server.mcp.url, token, listTools))).result?.tools ?? [];
      const expected = TOOLS.filter((t) => ROLE_SCOPES[role].includes(t.scope)).map((t) => t.name);
      expect(listed.map((t) => t.name).sort(), role).toEqual(expected.sort());
    }
  });

  it('answers every (role, tenant, scope, tool) as the role table says, and a refusal reads nothing', async () => {
    const cases = fc.record<Case>({
      role: fc.constantFrom(...ROLES),
      tenant: fc.constantFrom<string | undefined>('t1', 't2', '*', undefined),
      scope: fc.option(fc.subarray([...ALL_SCOPES, 'openid']), { nil: undefined }),
      tool: fc.constantFrom(...TOOLS.map((t) => t.name)),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        server.reset();
        const expected = oracle(c);
        expect(await call(c)).toBe(expected);
        if (expected !== 'executed') expect(server.observed.reads).toEqual([]);
        if (expected === 'denied')
          expect(server.observed.audited.map((a) => [a.tool, a.outcome])).toEqual([[c.tool, 'denied']]);
        if (expected === 'token-invalid' || expected === 'no-scope')
          expect(server.observed.factoryCalls).toBe(0);
      }),
      // ~5 ms a call on 2 cores: 600 runs stay well under 10 s and hit each tool ~20 times.
      { numRuns: 600 },
    );
  });
});
