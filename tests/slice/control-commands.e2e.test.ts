import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPlatformAuditTrail,
  type RunningProcessors,
  type RunningProjector,
  runProcessors,
  runProjector,
} from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import {
  createMcpServerFactory,
  type McpReads,
  type RunningMcpHttpServer,
  type RunningToolAuditTrail,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { createControlEventSink } from '../../processors/index.ts';
import { type AnyProjection, createQueryLayer, projectionNamed } from '../../projections/index.ts';
import type {
  BuildingRegistered,
  ControlCommandAction,
  ControlCommandRequested,
  ControlOutcome,
  ControlPointRegistered,
} from '../../schemas/index.ts';
import { connectWithToken, type TestAuth, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const TENANT = 't-ctl';
const BUILDING = 'Office_Control';
const POINT = 'Office_Control:zone-1:sp';
/** Bob's command has a point of its own, so the safety check does not weigh it against Alice's. */
const POINT2 = 'Office_Control:zone-2:sp';

interface Called {
  readonly isError: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown>;
}

interface Timeline {
  status: string;
  actor: string | null;
  action: string | null;
  value: number | null;
  priority: number | null;
  readBack: number | null;
  cause: string | null;
  ignored: string | null;
  topic: string;
  offset: string;
}

describe('control commands over MCP: propose -> decide -> approve by a second principal -> outcomes in get_command_status', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let processors: RunningProcessors;
  let audit: RunningToolAuditTrail;
  let mcp: RunningMcpHttpServer;
  let auth: TestAuth;
  const clients: Client[] = [];

  const as = async (sub: string, role: string): Promise<Client> => {
    const client = await connectWithToken(mcp.url, await auth.token({ sub, role, tenant: TENANT }), sub);
    clients.push(client);
    return client;
  };
  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Called> {
    const result = await client.callTool({ name, arguments: args });
    return {
      isError: result.isError === true,
      text: (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n'),
      structured: (result.structuredContent ?? {}) as Record<string, unknown>,
    };
  }
  const events = async <T>(key: 'controlCommands' | 'controlActions' | 'auditLog'): Promise<T[]> =>
    Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic(key))).map(
        async (m) => (await platform.codec.decode(key, m.message.value)).value as T,
      ),
    );
  /** get_command_status once `done` holds for its answer. */
  const statusWhen = (client: Client, commandId: string, what: string, done: (s: Called) => boolean) =>
    waitFor(
      what,
      async () => {
        const s = await call(client, TOOL_NAMES.getCommandStatus, { commandId });
        return !s.isError && done(s) ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  let viewer: Client;
  let alice: Client; // operator
  let bob: Client; // approver, proposes his own command
  let carol: Client; // approver
  let dave: Client; // operator, neither proposer nor approver

  beforeAll(async () => {
    platform = await createTestPlatform('control_cmds');
    const producer = await platform.producer();
    const at = new Date(Date.now() - 60_000);
    const building: BuildingRegistered = {
      eventId: randomUUID(),
      occurredAt: at,
      source: 'test',
      buildingId: BUILDING,
      primaryUse: 'Office',
      timezone: 'Europe/London',
      tenantId: TENANT,
    };
    const point: ControlPointRegistered = {
      eventId: randomUUID(),
      occurredAt: at,
      source: 'test',
      pointId: POINT,
      buildingId: BUILDING,
      pointKind: 'zone_air_temperature_setpoint',
      unit: 'degC',
      minValue: 15,
      maxValue: 28,
      maxChangePerMinute: null,
      requiresApproval: true,
      approvalTimeoutSeconds: 300,
      gatewayId: 'gw-test',
    };
    await producer.send({
      topic: platform.names.topic('buildings'),
      acks: -1,
      messages: [{ key: BUILDING, value: await platform.codec.encode('buildings', building) }],
    });
    const point2: ControlPointRegistered = { ...point, eventId: randomUUID(), pointId: POINT2 };
    await producer.send({
      topic: platform.names.topic('controlPoints'),
      acks: -1,
      messages: [
        { key: POINT, value: await platform.codec.encode('controlPoints', point) },
        { key: POINT2, value: await platform.codec.encode('controlPoints', point2) },
      ],
    });
    // A gateway point needs a fresh device value, or the safety check refuses it as stale_value.
    await producer.send({
      topic: platform.names.topic('pointValues'),
      acks: -1,
      messages: await Promise.all(
        [POINT, POINT2].map(async (pointId) => ({
          key: pointId,
          value: await platform.codec.encode('pointValues', {
            eventId: randomUUID(),
            occurredAt: new Date(),
            source: 'gw-test',
            buildingId: BUILDING,
            pointId,
            value: 21,
            unit: 'degC',
          }),
        })),
      ),
    });
    projector = await runProjector(platform, {
      projections: ['buildings', 'control-commands'].map((n) => projectionNamed(n) as AnyProjection),
    });
    processors = await runProcessors(platform, { processors: ['control-safety'] });
    audit = createPlatformAuditTrail(platform);
    const reads: McpReads = {
      ...createQueryLayer(platform),
      control: createControlEventSink({
        producer: () => platform.producer(),
        codec: platform.codec,
        names: platform.names,
      }),
    };
    auth = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: auth.auth,
      factory: createMcpServerFactory(reads, { audit }),
      logger: platform.logger,
    });
    [viewer, alice, bob, carol, dave] = await Promise.all([
      as('user:vic', 'viewer'),
      as('user:alice', 'operator'),
      as('user:bob', 'approver'),
      as('user:carol', 'approver'),
      as('user:dave', 'operator'),
    ]);
    // The building must be projected before a proposal names it.
    await waitFor('building projected', async () =>
      (await createQueryLayer(platform).building(BUILDING)) === undefined ? undefined : true,
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await mcp?.close();
    await audit?.close();
    await processors?.stop();
    await projector?.stop();
    await platform?.dispose();
  });

  it('a viewer is not shown the control tools and is refused naming the scope; nothing is sent', async () => {
    const { tools } = await viewer.listTools();
    expect(tools.map((t) => t.name)).not.toContain(TOOL_NAMES.proposeControlCommand);
    const refused = await call(viewer, TOOL_NAMES.proposeControlCommand, {
      buildingId: BUILDING,
      pointId: POINT,
      value: 21,
      unit: 'degC',
      durationMinutes: 30,
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("needs the scope 'control:write'");
    expect(await events('controlCommands')).toEqual([]);
  });

  let aliceCommand = '';
  it('an operator proposes: a ControlCommandRequested keyed by building/point names her as requestedBy, audited', async () => {
    const invalid = await call(alice, TOOL_NAMES.proposeControlCommand, {
      buildingId: BUILDING,
      pointId: POINT,
      value: 21,
      unit: 'degC',
    });
    expect(invalid.isError).toBe(true);
    expect(invalid.text).toMatch(/durationMinutes or expiresAt/);

    const proposed = await call(alice, TOOL_NAMES.proposeControlCommand, {
      buildingId: BUILDING,
      pointId: POINT,
      value: 22,
      unit: 'degC',
      durationMinutes: 30,
      reason: 'pre-cool before the meeting',
    });
    expect(proposed.isError, proposed.text).toBe(false);
    expect(proposed.structured).toMatchObject({
      requestedBy: 'user:alice',
      priority: 8,
      status: 'requested',
    });
    aliceCommand = proposed.structured.commandId as string;
    const raw = await readTopicToEnd(platform.kafka, platform.names.topic('controlCommands'));
    expect(raw.map((m) => m.message.key?.toString())).toEqual([`${BUILDING}/${POINT}`]);
    const [sent] = await events<ControlCommandRequested>('controlCommands');
    expect(sent).toMatchObject({
      commandId: aliceCommand,
      requestedBy: 'user:alice',
      value: 22,
      priority: 8,
      source: 'mcp-adapter',
      reason: 'pre-cool before the meeting',
    });
    const records = await events<{ actor: string; target: string; outcome: string }>('auditLog');
    expect(records).toContainEqual(
      expect.objectContaining({
        actor: 'user:alice',
        target: TOOL_NAMES.proposeControlCommand,
        outcome: 'success',
      }),
    );
  });

  it('the command is checked and awaits approval; an operator cannot approve; the proposer cannot approve her own', async () => {
    const waiting = await statusWhen(
      alice,
      aliceCommand,
      'decided and awaiting approval',
      (s) => s.structured.status === 'awaiting_approval',
    );
    expect(waiting.structured).toMatchObject({ decision: 'accepted', requiresApproval: true, ended: false });
    const operatorTry = await call(dave, TOOL_NAMES.approveControlCommand, { commandId: aliceCommand });
    expect(operatorTry.isError).toBe(true);
    expect(operatorTry.text).toContain("needs the scope 'control:approve'");
    expect(await events('controlActions')).toEqual([]);
  });

  let bobCommand = '';
  it('an approver cannot approve his own command; a second approver can, and that is an event on control-actions', async () => {
    const proposed = await call(bob, TOOL_NAMES.proposeControlCommand, {
      buildingId: BUILDING,
      pointId: POINT2,
      value: 23,
      unit: 'degC',
      priority: 10,
      durationMinutes: 60,
      heartbeatSeconds: 30,
    });
    expect(proposed.isError, proposed.text).toBe(false);
    bobCommand = proposed.structured.commandId as string;
    await statusWhen(
      bob,
      bobCommand,
      "bob's command awaiting approval",
      (s) => s.structured.status === 'awaiting_approval',
    );

    const self = await call(bob, TOOL_NAMES.approveControlCommand, { commandId: bobCommand });
    expect(self.isError).toBe(true);
    expect(self.text).toContain('user:bob proposed command');
    expect(self.text).toContain('Nothing was sent');
    expect(await events('controlActions')).toEqual([]);

    const approved = await call(carol, TOOL_NAMES.approveControlCommand, {
      commandId: bobCommand,
      reason: 'checked the zone',
    });
    expect(approved.isError, approved.text).toBe(false);
    expect(approved.structured).toMatchObject({
      action: 'approve',
      actor: 'user:carol',
      statusBefore: 'awaiting_approval',
    });
    const actions = await events<ControlCommandAction>('controlActions');
    expect(actions).toEqual([
      expect.objectContaining({
        commandId: bobCommand,
        action: 'approve',
        actor: 'user:carol',
        reason: 'checked the zone',
      }),
    ]);
    const raw = await readTopicToEnd(platform.kafka, platform.names.topic('controlActions'));
    expect(raw[0]?.message.key?.toString()).toBe(`${BUILDING}/${POINT2}`);

    const again = await statusWhen(carol, bobCommand, 'approved', (s) => s.structured.status === 'approved');
    expect(again.structured.approval).toMatchObject({ action: 'approve', actor: 'user:carol' });
    const twice = await call(carol, TOOL_NAMES.approveControlCommand, { commandId: bobCommand });
    expect(twice.isError).toBe(true);
    expect(twice.text).toContain('already approved');
  });

  it('cancel by a third operator is refused; heartbeats are the proposer’s; the proposer may cancel', async () => {
    const cancel = await call(dave, TOOL_NAMES.cancelControlCommand, { commandId: bobCommand });
    expect(cancel.isError).toBe(true);
    expect(cancel.text).toContain('Only the proposer (user:bob) or an approver may cancel');
    const foreignBeat = await call(carol, TOOL_NAMES.heartbeatControlCommand, { commandId: bobCommand });
    expect(foreignBeat.isError).toBe(true);
    expect(foreignBeat.text).toContain('Only the proposer (user:bob) sends heartbeats');
    const beat = await call(bob, TOOL_NAMES.heartbeatControlCommand, { commandId: bobCommand });
    expect(beat.isError, beat.text).toBe(false);
    const noBeat = await call(alice, TOOL_NAMES.heartbeatControlCommand, { commandId: aliceCommand });
    expect(noBeat.isError).toBe(true);
    expect(noBeat.text).toContain('promised no heartbeat');
    const unknown = await call(alice, TOOL_NAMES.cancelControlCommand, { commandId: randomUUID() });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('is known');
    const own = await call(alice, TOOL_NAMES.cancelControlCommand, {
      commandId: aliceCommand,
      reason: 'meeting moved',
    });
    expect(own.isError, own.text).toBe(false);
    const actions = await events<ControlCommandAction>('controlActions');
    expect(actions.map((a) => `${a.action}:${a.actor}`)).toEqual([
      'approve:user:carol',
      'heartbeat:user:bob',
      'cancel:user:alice',
    ]);
  });

  it('get_command_status shows request, decision, actions and each outcome with value, priority, read-back and cause', async () => {
    const producer = await platform.producer();
    const base = { source: 'gw-test', commandId: bobCommand, buildingId: BUILDING, pointId: POINT2 };
    const t0 = Date.now();
    const outcomes: ControlOutcome[] = [
      {
        ...base,
        eventId: randomUUID(),
        occurredAt: new Date(t0),
        outcome: 'acknowledged',
        value: 23,
        priority: 10,
        readBack: 23,
        cause: null,
        deviceMessage: null,
      },
      {
        ...base,
        eventId: randomUUID(),
        occurredAt: new Date(t0 + 1000),
        outcome: 'relinquished',
        value: null,
        priority: 10,
        readBack: 21,
        cause: 'expiry',
        deviceMessage: 'relinquished priority 10; point back at its relinquish default',
      },
    ];
    await producer.send({
      topic: platform.names.topic('controlOutcomes'),
      acks: -1,
      messages: await Promise.all(
        outcomes.map(async (o) => ({
          key: `${BUILDING}/${POINT2}`,
          value: await platform.codec.encode('controlOutcomes', o),
        })),
      ),
    });
    const done = await statusWhen(
      bob,
      bobCommand,
      'relinquished',
      (s) => s.structured.status === 'relinquished',
    );
    expect(done.structured).toMatchObject({
      requestedBy: 'user:bob',
      value: 23,
      priority: 10,
      heartbeatSeconds: 30,
      decision: 'accepted',
      ended: true,
      outcome: { outcome: 'relinquished', readBack: 21, cause: 'expiry', priority: 10 },
    });
    const history = done.structured.history as Timeline[];
    expect(history.map((h) => h.status)).toEqual([
      'requested',
      'accepted',
      'approved',
      'heartbeat',
      'acknowledged',
      'relinquished',
    ]);
    expect(history[0]).toMatchObject({
      actor: 'user:bob',
      value: 23,
      priority: 10,
      topic: 'controlCommands',
    });
    expect(history[2]).toMatchObject({ actor: 'user:carol', action: 'approve', ignored: null });
    expect(history[4]).toMatchObject({ value: 23, priority: 10, readBack: 23, cause: null });
    expect(history[5]).toMatchObject({ readBack: 21, cause: 'expiry', topic: 'controlOutcomes' });
    expect(done.text).toContain('read back 21');
    expect(done.text).toContain('cause expiry');
    // An ended command takes no more actions.
    const late = await call(bob, TOOL_NAMES.cancelControlCommand, { commandId: bobCommand });
    expect(late.isError).toBe(true);
    expect(late.text).toContain('has already ended (relinquished)');
    // The proposer's own approval written straight to the log is shown, and ignored, as the gateway does.
    const selfApproval: ControlCommandAction = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: aliceCommand,
      buildingId: BUILDING,
      pointId: POINT,
      action: 'approve',
      actor: 'user:alice',
      reason: null,
    };
    await producer.send({
      topic: platform.names.topic('controlActions'),
      acks: -1,
      messages: [
        { key: `${BUILDING}/${POINT}`, value: await platform.codec.encode('controlActions', selfApproval) },
      ],
    });
    const aliceStatus = await statusWhen(alice, aliceCommand, 'self-approval folded', (s) =>
      (s.structured.history as Timeline[]).some((h) => h.status === 'approved'),
    );
    expect(aliceStatus.structured.status).toBe('awaiting_approval');
    expect(aliceStatus.structured.approval).toBeNull();
    const ignored = (aliceStatus.structured.history as Timeline[]).find((h) => h.status === 'approved');
    expect(ignored?.ignored).toContain('by the proposer');
    expect((aliceStatus.structured.history as Timeline[]).map((h) => h.status)).toContain('cancel_requested');
  });
});
