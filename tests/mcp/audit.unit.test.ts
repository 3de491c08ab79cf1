import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditQueryOf, auditTable, parseInstantOrAge } from '../../app/commands/index.ts';
import {
  ALL_TENANTS,
  AUDIT_OUTCOME_OF,
  type FinishedToolCall,
  listAuditRecords,
  principal,
  provenanceSummary,
  REDACTED,
  redactArguments,
  redactedArgumentsJson,
  runTool,
  TOOL_CALL_ACTION,
  TOOL_NAMES,
  toolCallAuditRecord,
} from '../../mcp-adapter/index.ts';
import { type AuditQuery, auditLogProjection, type QueryLayer } from '../../projections/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import type { AuditRecord } from '../../schemas/index.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudDo0MiIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJlLWJ5dGVz';

describe('redaction of tool arguments', () => {
  it('replaces the values of secret-named keys at any depth, and bearer tokens and JWTs in any string', () => {
    const args = {
      buildingId: 'Office_A',
      apiKey: 'k-123',
      nested: { password: 'hunter2', list: [{ Authorization: 'Basic abc' }, `token is ${JWT}`] },
      note: 'sent with Bearer abc.def-ghi_jkl=',
      accessToken: 42,
    };
    const before = structuredClone(args);
    expect(redactArguments(args)).toEqual({
      buildingId: 'Office_A',
      apiKey: REDACTED,
      nested: { password: REDACTED, list: [{ Authorization: REDACTED }, `token is ${REDACTED}`] },
      note: `sent with Bearer ${REDACTED}`,
      accessToken: REDACTED,
    });
    expect(args).toEqual(before);
  });

  it('keeps ordinary values: ids, ISO instants, numbers, booleans, null', () => {
    const args = { buildingId: 'Office_A', from: '2016-01-01T00:00:00Z', limit: 5, all: true, x: null };
    expect(redactArguments(args)).toEqual(args);
  });

  it('never lets a JWT embedded anywhere in an argument through (property)', () => {
    const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/);
    const jwtArb = fc.tuple(b64url, b64url, b64url).map(([h, p, s]) => `eyJ${h}.${p}.${s}`);
    fc.assert(
      fc.property(fc.string(), jwtArb, fc.string(), fc.string({ minLength: 1 }), (pre, jwt, post, key) => {
        const json = redactedArgumentsJson({ [`x${key}`]: [`${pre} ${jwt} ${post}`] });
        expect(json).not.toContain(jwt);
      }),
    );
  });

  it('cuts very long arguments and says so', () => {
    const json = redactedArgumentsJson({ text: 'a'.repeat(10_000) });
    expect(json.length).toBeLessThan(4_100);
    expect(json).toMatch(/truncated \d+ chars\]$/);
  });
});

const CALL: FinishedToolCall = {
  tool: TOOL_NAMES.getLatestReadings,
  principal: principal('agent:42', 'analyst', 't1'),
  args: { buildingId: 'Office_A', authorization: `Bearer ${JWT}` },
  readOnly: true,
  outcome: 'ok',
  durationMs: 12.34567,
  startedAt: Date.parse('2026-12-05T07:00:00Z'),
  provenance: [
    {
      readModel: 'rollups',
      generation: 2,
      offsets: [
        { topic: 't.reading-aggregates', partition: 0, nextOffset: '42' },
        { topic: 't.reading-aggregates', partition: 1, nextOffset: '7' },
      ],
      lastAppliedAt: null,
    },
    { readModel: 'buildings', generation: null, offsets: [], lastAppliedAt: null },
  ],
  traceContext: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
};

describe('the audit record of a tool call', () => {
  it('names the principal, the action, the tool, and carries tenant, role, redacted arguments, duration, provenance and trace', () => {
    const record = toolCallAuditRecord(CALL, { eventId: '6f1c9b1e-31a4-4c7e-9d55-3b7f1b0e2a10' });
    expect(record).toEqual({
      eventId: '6f1c9b1e-31a4-4c7e-9d55-3b7f1b0e2a10',
      occurredAt: new Date('2026-12-05T07:00:00Z'),
      source: 'mcp-adapter',
      actor: 'agent:42',
      action: TOOL_CALL_ACTION,
      target: 'get_latest_readings',
      outcome: 'success',
      details: {
        tenant: 't1',
        role: 'analyst',
        arguments: JSON.stringify({ buildingId: 'Office_A', authorization: REDACTED }),
        durationMs: '12.346',
        callOutcome: 'ok',
        readOnly: 'true',
        provenance: 'rollups@g2 t.reading-aggregates/0:42 t.reading-aggregates/1:7; buildings@gnone',
      },
      traceContext: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: null,
      },
    });
    expect(JSON.stringify(record)).not.toContain(JWT);
  });

  it('maps outcomes: ok is success, denied and rate_limited are denied, error and failed are failure', () => {
    expect(AUDIT_OUTCOME_OF).toEqual({
      ok: 'success',
      denied: 'denied',
      rate_limited: 'denied',
      error: 'failure',
      failed: 'failure',
    });
    const limited = toolCallAuditRecord({ ...CALL, outcome: 'rate_limited', errorCode: 'RATE_LIMITED' });
    expect(limited.outcome).toBe('denied');
    expect(limited.details).toMatchObject({ errorCode: 'RATE_LIMITED', callOutcome: 'rate_limited' });
  });

  it('leaves out what a call did not have: no error code, no provenance, no trace', () => {
    const { provenance: _p, traceContext: _t, ...bare } = CALL;
    const record = toolCallAuditRecord(bare);
    expect(record.details).not.toHaveProperty('errorCode');
    expect(record.details).not.toHaveProperty('provenance');
    expect(record.traceContext).toBeNull();
    expect(provenanceSummary(undefined)).toBe('');
  });
});

describe('the audit-log projection', () => {
  const event = (eventId: string, offset: number): ProjectionEvent<'auditLog'> => ({
    topic: 'auditLog',
    partition: 1,
    offset: String(offset),
    event: { ...(toolCallAuditRecord(CALL, { eventId }) as AuditRecord) },
  });

  it('keeps one row per event id, the first in the log (a producer retry adds nothing)', () => {
    let state = auditLogProjection.initial();
    const id = 'A6F1C9B1-31A4-4C7E-9D55-3B7F1B0E2A10';
    for (const [i, e] of [event(id, 3), event(id.toLowerCase(), 9)].entries())
      state = auditLogProjection.evolve(state, { ...e, offset: String(3 + i * 6) });
    expect([...state.rows.keys()]).toEqual([id.toLowerCase()]);
    expect(state.rows.get(id.toLowerCase())).toMatchObject({
      actor: 'agent:42',
      target: 'get_latest_readings',
      outcome: 'success',
      tenant: 't1',
      sourceOffset: '3',
      traceparent: CALL.traceContext?.traceparent,
    });
  });
});

describe('eaio audit list options', () => {
  const NOW = Date.parse('2026-12-05T08:00:00Z');

  it('takes --since as an ISO instant or an age before now', () => {
    expect(parseInstantOrAge('1h', NOW).toISOString()).toBe('2026-12-05T07:00:00.000Z');
    expect(parseInstantOrAge('30m', NOW).toISOString()).toBe('2026-12-05T07:30:00.000Z');
    expect(parseInstantOrAge('2d', NOW).toISOString()).toBe('2026-12-03T08:00:00.000Z');
    expect(parseInstantOrAge('2026-12-01T00:00:00Z', NOW).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(() => parseInstantOrAge('yesterday', NOW)).toThrow(/neither an ISO 8601 instant .* nor an age/);
  });

  it('maps --principal and --tool to actor and target, and refuses an unknown outcome', () => {
    expect(
      auditQueryOf({ principal: 'agent:42', tool: 'get_latest_readings', since: '1h', limit: '5' }, NOW),
    ).toEqual({
      actor: 'agent:42',
      target: 'get_latest_readings',
      since: new Date('2026-12-05T07:00:00Z'),
      limit: 5,
    });
    expect(() => auditQueryOf({ outcome: 'maybe' }, NOW)).toThrow(
      /--outcome must be one of success, failure, denied/,
    );
  });

  it('prints a header and one aligned line per record', () => {
    const table = auditTable([
      {
        eventId: 'e1',
        occurredAt: new Date(NOW),
        source: 'mcp-adapter',
        actor: 'agent:42',
        action: TOOL_CALL_ACTION,
        target: 'list_audit_records',
        outcome: 'denied',
        tenant: 't1',
        details: { durationMs: '0.5', errorCode: 'ACCESS_DENIED', arguments: '{}' },
        traceparent: null,
      },
    ]).split('\n');
    expect(table).toHaveLength(2);
    expect(table[0]).toMatch(/^TIME\s+PRINCIPAL\s+TENANT\s+TOOL\s+OUTCOME\s+MS\s+ERROR\s+ARGUMENTS$/);
    expect(table[1]).toMatch(/agent:42\s+t1\s+list_audit_records\s+denied\s+0\.5\s+ACCESS_DENIED\s+\{\}$/);
    expect(table[1]?.indexOf('agent:42')).toBe(table[0]?.indexOf('PRINCIPAL'));
  });
});

describe('list_audit_records', () => {
  /** Runs the tool for `who` over a query layer that records the query and answers one record. */
  async function askedBy(who: ReturnType<typeof principal>, args: Record<string, unknown>) {
    const asked: AuditQuery[] = [];
    const queries = {
      auditRecords: async (query: AuditQuery) => {
        asked.push(query);
        return {
          data: [
            {
              eventId: 'e1',
              occurredAt: new Date('2026-12-05T07:00:00Z'),
              source: 'mcp-adapter',
              actor: 'agent:42',
              action: TOOL_CALL_ACTION,
              target: 'get_latest_readings',
              outcome: 'success' as const,
              tenant: 't1',
              details: { durationMs: '3' },
              traceparent: null,
            },
          ],
          provenance: [{ projection: 'audit-log', generation: 1, offsets: [], lastAppliedAt: null }],
          dataUntil: new Date('2026-12-05T07:00:00Z'),
          stale: false as const,
        };
      },
    } as unknown as QueryLayer;
    const run = await runTool(listAuditRecords, listAuditRecords.input.parse(args), {
      queries,
      principal: who,
      now: () => Date.parse('2026-12-05T08:00:00Z'),
    });
    listAuditRecords.output.parse(run.result.structuredContent);
    return { asked, run };
  }

  it('passes the filters to the read model, and limits a tenant-bound admin to its tenant', async () => {
    const args = { principal: 'agent:42', tool: 'get_latest_readings', since: '2026-12-05T00:00:00Z' };
    const everyTenant = await askedBy(principal('root', 'admin', ALL_TENANTS), args);
    expect(everyTenant.asked).toEqual([
      {
        actor: 'agent:42',
        target: 'get_latest_readings',
        since: new Date('2026-12-05T00:00:00Z'),
        limit: 100,
      },
    ]);
    const oneTenant = await askedBy(principal('t1-admin', 'admin', 't1'), args);
    expect(oneTenant.asked[0]?.tenant).toBe('t1');
    expect(oneTenant.run.result.content[0]).toMatchObject({
      text: expect.stringMatching(
        /^1 audit record\(s\)\.\n2026-12-05T07:00:00.000Z agent:42 mcp.tool.call get_latest_readings success/,
      ),
    });
  });
});
