import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorPointsOf, GATEWAY_PROTOCOLS, simulatedPlantPoints } from '../../app/commands/index.ts';
import { createPlatformAuditTrail, type RunningProjector, runProjector } from '../../app/index.ts';
import {
  createMcpServerFactory,
  type McpReads,
  type RunningMcpHttpServer,
  type RunningToolAuditTrail,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import {
  controlSafetyProcessor,
  createControlEventSink,
  type RunningProcessor,
  runProcessor,
} from '../../processors/index.ts';
import { type AnyProjection, createQueryLayer, projectionNamed } from '../../projections/index.ts';
import type { BuildingRegistered, TopicKey } from '../../schemas/index.ts';
import {
  type SimulatedBacnetDevice,
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
  ZONE_OBJECTS,
} from '../../sources/gateways/index.ts';
import {
  type Gateway,
  plantAddresses,
  type RunningExecutor,
  type RunningGateway,
  runGateway,
  type SimulatedModbusPlant,
  startCommandExecutor,
  startSimulatedModbusPlant,
} from '../../sources/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { connectWithToken, type TestAuth, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Issue 14's "Done when", end to end on the real stack: an operator agent proposes a setpoint change
 * over MCP (Streamable HTTP, JWT) on a simulated Modbus zone and on a simulated BACnet zone; the real
 * control-safety processor checks it; the proposer cannot approve it; a second principal (approver)
 * does; each gateway (in-process, wired as `eaio gateway` wires it) writes it at the command's priority,
 * reads it back, and relinquishes it at expiry; get_command_status shows every step with its log
 * position and list_audit_records the tool calls. A command above the point's maximum never reaches a
 * device. The devices' own state and request logs are the ground truth.
 */
const TENANT = 't-story';
const AGENT = 'agent:ops-bot';
const APPROVER = 'user:carol';
/** Agents may use priorities 9-16 under the default safety policy. */
const PRIORITY = 12;
/** A short hold: long enough for approval and write, short enough for the file to stay bounded. */
const HOLD_MINUTES = 0.4;
/** Both simulated zones' cooling setpoints relinquish to 24 degC (plant default, Relinquish_Default). */
const DEFAULT_COOLING = 24;
const TARGET = 26;

const MODBUS_BUILDING = 'story-modbus';
const BACNET_BUILDING = 'story-bacnet';
const MODBUS_POINT = `${MODBUS_BUILDING}/zone-1/cooling-setpoint`;
const BACNET_POINT = `${BACNET_BUILDING}/zone-1/cooling-setpoint`;
const BACNET_DEVICE = 4214;

interface Called {
  readonly isError: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown>;
}

interface HistoryEntry {
  status: string;
  source: string;
  actor: string | null;
  action: string | null;
  value: number | null;
  priority: number | null;
  readBack: number | null;
  cause: string | null;
  ignored: string | null;
  topic: string;
  partition: number;
  offset: string;
}

interface Provenance {
  readModel: string;
  offsets: { topic: string; partition: number; nextOffset: string }[];
}

interface AuditView {
  actor: string;
  target: string;
  outcome: string;
  occurredAt: string;
  details: Record<string, string>;
}

/** One in-process gateway: the map's runner and command executor, as `eaio gateway` runs them. */
interface InProcessGateway {
  readonly gateway: Gateway;
  readonly runner: RunningGateway;
  readonly executor: RunningExecutor;
}

/** The cooling setpoint needs approval: the point map says so, so its registration does. */
function coolingNeedsApproval(map: { points: readonly unknown[] }): void {
  for (const p of map.points as Record<string, unknown>[]) {
    if (typeof p.pointId === 'string' && p.pointId.endsWith('/cooling-setpoint')) {
      p.requiresApproval = true;
      p.approvalTimeoutSeconds = 120;
    }
  }
}

describe('the control story: an agent proposes on a Modbus and a BACnet zone, a second principal approves, written, acknowledged, reverted at expiry', () => {
  let platform: TestPlatform;
  let plant: SimulatedModbusPlant;
  let device: SimulatedBacnetDevice;
  let projector: RunningProjector;
  let processor: RunningProcessor;
  let audit: RunningToolAuditTrail;
  let mcp: RunningMcpHttpServer;
  let auth: TestAuth;
  let dir: string;
  const gateways: InProcessGateway[] = [];
  const clients: Client[] = [];

  let agent: Client; // operator
  let agentAsApprover: Client; // the same principal holding the approver role
  let carol: Client; // approver
  let admin: Client;

  const as = async (sub: string, role: string, tenant?: string): Promise<Client> => {
    const token = await auth.token({ sub, role, tenant });
    const client = await connectWithToken(mcp.url, token, sub);
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
  const statusWhen = (
    client: Client,
    commandId: string,
    what: string,
    done: (s: Called) => boolean,
    timeoutMs = 30_000,
  ): Promise<Called> =>
    waitFor(
      `${what} (${commandId})`,
      async () => {
        const s = await call(client, TOOL_NAMES.getCommandStatus, { commandId });
        return !s.isError && done(s) ? s : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );

  const cooling = plantAddresses(0).coolingSetpoint;
  const { objectType: bacnetType, instance: bacnetInstance } = ZONE_OBJECTS.coolingSetpoint;
  /** Register writes (FC 6/16) to the Modbus cooling setpoint the plant has answered. */
  const modbusWrites = () =>
    plant.requests.filter((r) => (r.functionCode === 6 || r.functionCode === 16) && r.address === cooling)
      .length;
  const bacnetPresent = () => device.presentValue(bacnetType, bacnetInstance);

  /** Opens a points file the way `eaio gateway` does, then runs its runner and executor in-process. */
  async function startGateway(file: string, protocol: 'modbus' | 'bacnet'): Promise<InProcessGateway> {
    const open = GATEWAY_PROTOCOLS[protocol];
    if (open === undefined) throw new Error(`no ${protocol} gateway`);
    const { map, gateway } = await open(file);
    const publish = await platform.feedDeps();
    await gateway.connect();
    const runner = await runGateway({ publish }, map, gateway);
    const executor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway,
      gatewayId: map.gateway.id,
      mode: map.gateway.mode,
      points: executorPointsOf(map),
      isFresh: (pointId, now) => runner.isFresh(pointId, now),
      tickMs: 200,
    });
    const running = { gateway, runner, executor };
    gateways.push(running);
    return running;
  }

  beforeAll(async () => {
    platform = await createTestPlatform('control_story');
    plant = await startSimulatedModbusPlant({ port: 0, zones: 1 });
    device = await startSimulatedBacnetDevice({
      deviceInstance: BACNET_DEVICE,
      objects: simulatedZoneObjects(),
    });
    dir = await mkdtemp(join(tmpdir(), 'eaio-control-story-'));
    const modbusMap = simulatedPlantPoints({
      host: plant.host,
      port: plant.port,
      zones: 1,
      gatewayId: 'modbus-gw:story',
      buildingId: MODBUS_BUILDING,
      mode: 'read-write',
      pollSeconds: 1,
    }) as { points: unknown[] };
    const bacnetMap = simulatedZonePointMap({
      deviceAddress: device.address,
      deviceInstance: BACNET_DEVICE,
      buildingId: BACNET_BUILDING,
      mode: 'read-write',
      pollSeconds: 1,
      gatewayId: 'bacnet-gw:story',
    });
    coolingNeedsApproval(modbusMap);
    coolingNeedsApproval(bacnetMap);
    const modbusFile = join(dir, 'modbus-points.json');
    const bacnetFile = join(dir, 'bacnet-points.json');
    await writeFile(modbusFile, JSON.stringify(modbusMap));
    await writeFile(bacnetFile, JSON.stringify(bacnetMap));

    // The buildings, so a proposal may name them (the gateways register points, not buildings).
    const producer = await platform.producer();
    const at = new Date(Date.now() - 60_000);
    await producer.send({
      topic: platform.names.topic('buildings'),
      acks: -1,
      messages: await Promise.all(
        [MODBUS_BUILDING, BACNET_BUILDING].map(async (buildingId) => {
          const b: BuildingRegistered = {
            eventId: randomUUID(),
            occurredAt: at,
            source: 'test',
            buildingId,
            primaryUse: 'Office',
            timezone: 'Europe/London',
            tenantId: TENANT,
          };
          return { key: buildingId, value: await platform.codec.encode('buildings', b) };
        }),
      ),
    });

    projector = await runProjector(platform, {
      projections: ['buildings', 'control-commands', 'audit-log'].map(
        (n) => projectionNamed(n) as AnyProjection,
      ),
    });
    processor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, controlSafetyProcessor);
    await Promise.all([startGateway(modbusFile, 'modbus'), startGateway(bacnetFile, 'bacnet')]);

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
    [agent, agentAsApprover, carol, admin] = await Promise.all([
      as(AGENT, 'operator', TENANT),
      as(AGENT, 'approver', TENANT),
      as(APPROVER, 'approver', TENANT),
      as('user:auditor', 'admin'),
    ]);

    // Ready when both buildings are projected and both gateways have read their setpoints (a point
    // served by a gateway with no value yet is rejected as stale_value, by design).
    const queries = createQueryLayer(platform);
    await waitFor('buildings projected', async () =>
      (await queries.building(MODBUS_BUILDING)) !== undefined &&
      (await queries.building(BACNET_BUILDING)) !== undefined
        ? true
        : undefined,
    );
    await waitFor(
      'both setpoints read',
      async () => {
        const now = new Date();
        const fresh = gateways.every(
          (g) => g.runner.isFresh(MODBUS_POINT, now) || g.runner.isFresh(BACNET_POINT, now),
        );
        return fresh && gateways.length === 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await mcp?.close();
    await audit?.close();
    for (const g of gateways) {
      await g.executor.stop();
      await g.runner.stop();
      await g.gateway.close();
    }
    await processor?.stop();
    await projector?.stop();
    await device?.close();
    await plant?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await platform?.dispose();
  });

  const propose = (buildingId: string, pointId: string, value: number) =>
    call(agent, TOOL_NAMES.proposeControlCommand, {
      buildingId,
      pointId,
      value,
      unit: 'degC',
      priority: PRIORITY,
      durationMinutes: HOLD_MINUTES,
      reason: 'pre-cool before the meeting',
    });

  const refused: string[] = [];
  it('a command above the point maximum is rejected by the safety check and never reaches either device', async () => {
    for (const [building, point] of [
      [MODBUS_BUILDING, MODBUS_POINT],
      [BACNET_BUILDING, BACNET_POINT],
    ] as const) {
      const proposed = await propose(building, point, 35);
      expect(proposed.isError, proposed.text).toBe(false);
      refused.push(proposed.structured.commandId as string);
    }
    for (const commandId of refused) {
      const s = await statusWhen(agent, commandId, 'rejected', (r) => r.structured.decision !== null);
      expect(s.structured).toMatchObject({ status: 'rejected', decision: 'rejected', ended: true });
      const codes = (s.structured.decisionReasons as { code: string }[]).map((r) => r.code);
      expect(codes).toContain('above_max');
    }
    expect(modbusWrites()).toBe(0);
    expect(plant.zone(0).coolingSetpoint).toBe(DEFAULT_COOLING);
    expect(device.stats.writeProperty).toBe(0);
    expect(bacnetPresent()).toBe(DEFAULT_COOLING);
    // That it stays so is asserted after the approved commands: the gateways consume each point's
    // commands in order, so once they acted on a later one they have passed the rejected one.
  });

  const commands: Record<'modbus' | 'bacnet', string> = { modbus: '', bacnet: '' };
  it('the agent proposes on both zones; each is accepted and awaits approval; the agent cannot approve its own', async () => {
    const m = await propose(MODBUS_BUILDING, MODBUS_POINT, TARGET);
    const b = await propose(BACNET_BUILDING, BACNET_POINT, TARGET);
    for (const p of [m, b]) {
      expect(p.isError, p.text).toBe(false);
      expect(p.structured).toMatchObject({ requestedBy: AGENT, priority: PRIORITY, status: 'requested' });
    }
    commands.modbus = m.structured.commandId as string;
    commands.bacnet = b.structured.commandId as string;

    for (const commandId of Object.values(commands)) {
      const waiting = await statusWhen(
        agent,
        commandId,
        'awaiting approval',
        (s) => s.structured.status === 'awaiting_approval',
      );
      expect(waiting.structured).toMatchObject({
        decision: 'accepted',
        requiresApproval: true,
        approvalTimeoutSeconds: 120,
        ended: false,
      });
      // With its operator token the agent lacks the approve scope...
      const asOperator = await call(agent, TOOL_NAMES.approveControlCommand, { commandId });
      expect(asOperator.isError).toBe(true);
      expect(asOperator.text).toContain("needs the scope 'control:approve'");
      // ...and even holding the approver role it may not approve what it proposed.
      const self = await call(agentAsApprover, TOOL_NAMES.approveControlCommand, { commandId });
      expect(self.isError).toBe(true);
      expect(self.text).toContain(`${AGENT} proposed command`);
    }
    expect(await readEvents(platform, 'controlActions')).toEqual([]);
    // Nothing written while awaiting approval.
    expect(modbusWrites()).toBe(0);
    expect(device.stats.writeProperty).toBe(0);
  });

  it('a second principal approves; each gateway writes at priority 12, reads back, and the device holds the value', async () => {
    for (const commandId of Object.values(commands)) {
      const approved = await call(carol, TOOL_NAMES.approveControlCommand, {
        commandId,
        reason: 'checked the zone',
      });
      expect(approved.isError, approved.text).toBe(false);
      expect(approved.structured).toMatchObject({ action: 'approve', actor: APPROVER });
    }
    for (const commandId of Object.values(commands)) {
      const acked = await statusWhen(
        agent,
        commandId,
        'acknowledged',
        (s) => s.structured.status === 'acknowledged',
      );
      expect(acked.structured.outcome).toMatchObject({
        outcome: 'acknowledged',
        value: TARGET,
        priority: PRIORITY,
        readBack: TARGET,
      });
    }
    expect(plant.zone(0).coolingSetpoint).toBe(TARGET);
    expect(device.priorityArray(bacnetType, bacnetInstance)[PRIORITY - 1]).toBe(TARGET);
    expect(bacnetPresent()).toBe(TARGET);
  });

  it('at expiry each is relinquished, read back at the default; get_command_status shows every step in order with provenance', async () => {
    const gatewayOf = { modbus: 'modbus-gw:story', bacnet: 'bacnet-gw:story' } as const;
    for (const [kind, commandId] of Object.entries(commands) as ['modbus' | 'bacnet', string][]) {
      const done = await statusWhen(
        agent,
        commandId,
        'relinquished at expiry',
        (s) => s.structured.status === 'relinquished',
        40_000,
      );
      expect(done.structured).toMatchObject({
        requestedBy: AGENT,
        value: TARGET,
        priority: PRIORITY,
        decision: 'accepted',
        ended: true,
        approval: { action: 'approve', actor: APPROVER },
        outcome: { outcome: 'relinquished', cause: 'expiry', priority: PRIORITY, readBack: DEFAULT_COOLING },
      });
      const history = done.structured.history as HistoryEntry[];
      expect(history.map((h) => h.status)).toEqual([
        'requested',
        'accepted',
        'approved',
        'acknowledged',
        'relinquished',
      ]);
      expect(history[0]).toMatchObject({
        actor: AGENT,
        value: TARGET,
        priority: PRIORITY,
        topic: 'controlCommands',
      });
      expect(history[1]).toMatchObject({ topic: 'controlDecisions' });
      expect(history[2]).toMatchObject({
        actor: APPROVER,
        action: 'approve',
        ignored: null,
        topic: 'controlActions',
      });
      expect(history[3]).toMatchObject({
        source: gatewayOf[kind],
        value: TARGET,
        priority: PRIORITY,
        readBack: TARGET,
        topic: 'controlOutcomes',
      });
      expect(history[4]).toMatchObject({
        source: gatewayOf[kind],
        cause: 'expiry',
        readBack: DEFAULT_COOLING,
        topic: 'controlOutcomes',
      });
      // Provenance: every step names its log position, each one the read model has folded (below the
      // next offset the answer's provenance reports for that topic and partition).
      const folded = (done.structured.provenance as Provenance[]).find(
        (p) => p.readModel === 'control-commands',
      );
      expect(folded, JSON.stringify(done.structured.provenance)).toBeDefined();
      for (const h of history) {
        const next = folded?.offsets.find(
          (o) =>
            (o.topic === h.topic || o.topic === platform.names.topic(h.topic as TopicKey)) &&
            o.partition === h.partition,
        );
        expect(next, `${h.topic}/${h.partition} in ${JSON.stringify(folded)}`).toBeDefined();
        expect(BigInt(h.offset)).toBeLessThan(BigInt(next?.nextOffset ?? '0'));
      }
      expect(new Set(history.map((h) => `${h.topic}/${h.partition}/${h.offset}`)).size).toBe(history.length);
      expect(done.text).toContain(`read back ${DEFAULT_COOLING}`);
      expect(done.text).toContain('cause expiry');
    }
    expect(plant.zone(0).coolingSetpoint).toBe(DEFAULT_COOLING);
    expect(device.priorityArray(bacnetType, bacnetInstance)[PRIORITY - 1]).toBeNull();
    expect(bacnetPresent()).toBe(DEFAULT_COOLING);
    // The rejected commands: no outcome, and the devices saw only the approved write and its relinquish.
    const outcomes = (await readEvents(platform, 'controlOutcomes')).map((e) => e.value);
    expect(outcomes.filter((o) => refused.includes(o.commandId))).toEqual([]);
    expect(
      outcomes.map((o) => `${o.commandId === commands.modbus ? 'modbus' : 'bacnet'}:${o.outcome}`).sort(),
    ).toEqual(['bacnet:acknowledged', 'bacnet:relinquished', 'modbus:acknowledged', 'modbus:relinquished']);
    expect(device.stats.writeProperty).toBe(2);
    expect(modbusWrites()).toBe(2);
  });

  it('list_audit_records (admin) shows the proposals and the approvals with the command ids', async () => {
    const ids = Object.values(commands);
    const records = async (tool: string): Promise<AuditView[]> => {
      const r = await call(admin, TOOL_NAMES.listAuditRecords, { tool, limit: 100 });
      if (r.isError) throw new Error(r.text);
      return r.structured.records as AuditView[];
    };
    const found = await waitFor(
      'audit records projected',
      async () => {
        const approveCalls = await records(TOOL_NAMES.approveControlCommand);
        const proposals = (await records(TOOL_NAMES.proposeControlCommand)).filter((x) => x.actor === AGENT);
        const approvals = approveCalls.filter(
          (x) => x.actor === APPROVER && ids.some((id) => x.details.arguments?.includes(id)),
        );
        const selfTries = approveCalls.filter((x) => x.actor === AGENT);
        return approvals.length === 2 && proposals.length === 4 && selfTries.length === 4
          ? { approvals, proposals, selfTries }
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    for (const a of found.approvals) {
      expect(a).toMatchObject({ outcome: 'success', details: { role: 'approver', tenant: TENANT } });
    }
    for (const id of ids) {
      expect(found.approvals.some((a) => JSON.parse(a.details.arguments ?? '{}').commandId === id)).toBe(
        true,
      );
    }
    expect(found.proposals.every((p) => p.outcome === 'success' && p.details.role === 'operator')).toBe(true);
    const proposedPoints = found.proposals.map((p) => {
      const args = JSON.parse(p.details.arguments ?? '{}') as { pointId: string; value: number };
      return `${args.pointId}=${args.value}`;
    });
    expect(proposedPoints.sort()).toEqual(
      [
        `${BACNET_POINT}=${TARGET}`,
        `${BACNET_POINT}=35`,
        `${MODBUS_POINT}=${TARGET}`,
        `${MODBUS_POINT}=35`,
      ].sort(),
    );
    // Each record names its command in details.commandId: the proposal's from the tool's answer (the id
    // is made there), the approvals' from their arguments, so the trail joins every step by one id.
    for (const id of ids) {
      expect(found.proposals.filter((p) => p.details.commandId === id)).toHaveLength(1);
      expect(found.approvals.filter((a) => a.details.commandId === id)).toHaveLength(1);
    }
    // The proposer's own approval attempts are on record too, refused, naming the command.
    const { selfTries } = found;
    expect(selfTries.every((x) => x.outcome !== 'success')).toBe(true);
    for (const id of ids) {
      expect(selfTries.filter((x) => x.details.arguments?.includes(id))).toHaveLength(2);
    }
  });
});
