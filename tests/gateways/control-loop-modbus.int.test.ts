import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedPlantPoints } from '../../app/commands/index.ts';
import { controlSafetyProcessor, type RunningProcessor, runProcessor } from '../../processors/index.ts';
import type { ControlCommandRequested, ControlDecision, ControlOutcome } from '../../schemas/index.ts';
import { type SimulatedModbusPlant, startSimulatedModbusPlant } from '../../sources/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The whole loop on the simulated Modbus plant: `eaio gateway` as a child process (so it can be
 * SIGKILLed), the real control-safety processor deciding, commands produced as the MCP tools would.
 * The plant's registers are the ground truth of every assertion about the device.
 */
const ZONE = 'sim-building/zone-1';
const COOLING = `${ZONE}/cooling-setpoint`; // relinquishDefault 24
const HEATING = `${ZONE}/heating-setpoint`; // relinquishDefault 20
const DIMMING = `${ZONE}/dimming`; // relinquishDefault 100

describe('the control loop on the simulated Modbus plant, eaio gateway in a child process', () => {
  let platform: TestPlatform;
  let plant: SimulatedModbusPlant;
  let processor: RunningProcessor;
  let dir: string;
  let pointsFile: string;
  const children: EaioProcess[] = [];

  const startGateway = async (): Promise<EaioProcess> => {
    const child = spawnEaio(['gateway', '--points', pointsFile, '--tick-ms', '200'], platform.childEnv);
    children.push(child);
    await waitFor(
      'eaio gateway running',
      async () => {
        if (child.child.exitCode !== null) throw new Error(`eaio gateway exited: ${child.stderr()}`);
        return child.stderr().includes('running 6 point(s)') ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    return child;
  };

  function command(pointId: string, over: Partial<ControlCommandRequested> = {}): ControlCommandRequested {
    return {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: `c-${randomUUID().slice(0, 8)}`,
      buildingId: 'sim-building',
      pointId,
      value: 26,
      unit: 'degC',
      priority: 8,
      expiresAt: new Date(Date.now() + 60_000),
      requestedBy: 'user:alice',
      reason: 'test',
      schedule: null,
      heartbeatSeconds: null,
      ...over,
    };
  }

  async function propose(c: ControlCommandRequested): Promise<void> {
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic('controlCommands'),
      messages: [
        { key: `${c.buildingId}/${c.pointId}`, value: await platform.codec.encode('controlCommands', c) },
      ],
    });
  }

  async function cancel(c: ControlCommandRequested): Promise<void> {
    const producer = await platform.producer();
    const action = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: c.commandId,
      buildingId: c.buildingId,
      pointId: c.pointId,
      action: 'cancel' as const,
      actor: 'user:alice',
      reason: null,
    };
    await producer.send({
      topic: platform.names.topic('controlActions'),
      messages: [
        { key: `${c.buildingId}/${c.pointId}`, value: await platform.codec.encode('controlActions', action) },
      ],
    });
  }

  const decisionOf = (commandId: string): Promise<ControlDecision> =>
    waitFor(
      `decision of ${commandId}`,
      async () =>
        (await readEvents(platform, 'controlDecisions'))
          .map((e) => e.value)
          .find((d) => d.commandId === commandId),
      { timeoutMs: 60_000, intervalMs: 300 },
    );

  const waitOutcomes = (commandId: string, count: number, timeoutMs = 60_000): Promise<ControlOutcome[]> =>
    waitFor(
      `${count} outcome(s) of ${commandId}`,
      async () => {
        const found = (await readEvents(platform, 'controlOutcomes'))
          .map((e) => e.value)
          .filter((o) => o.commandId === commandId);
        if (found.length > count) throw new Error(`too many outcomes: ${JSON.stringify(found)}`);
        return found.length === count ? found : undefined;
      },
      { timeoutMs, intervalMs: 300 },
    );

  const writesTo = (address: number) =>
    plant.requests.filter((r) => (r.functionCode === 6 || r.functionCode === 16) && r.address === address)
      .length;

  beforeAll(async () => {
    platform = await createTestPlatform('control_loop_modbus');
    plant = await startSimulatedModbusPlant({ port: 0, zones: 1 });
    dir = await mkdtemp(join(tmpdir(), 'eaio-gateway-'));
    pointsFile = join(dir, 'points.json');
    const points = simulatedPlantPoints({
      host: plant.host,
      port: plant.port,
      zones: 1,
      gatewayId: 'modbus-gw:test',
      buildingId: 'sim-building',
      mode: 'read-write',
      pollSeconds: 1,
    });
    await writeFile(pointsFile, JSON.stringify(points));
    processor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, controlSafetyProcessor);
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await processor?.stop();
    await plant?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await platform?.dispose();
  });

  it('accepted by the safety processor -> written -> acknowledged with readBack -> relinquished at expiry, register back at 24', async () => {
    await startGateway();
    const c = command(COOLING, { expiresAt: new Date(Date.now() + 15_000) });
    await propose(c);
    expect((await decisionOf(c.commandId)).decision).toBe('accepted');
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({
      outcome: 'acknowledged',
      value: 26,
      priority: 8,
      readBack: 26,
      source: 'modbus-gw:test',
    });
    expect(plant.zone(0).coolingSetpoint).toBe(26);
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'expiry', readBack: 24 });
    expect(plant.zone(0).coolingSetpoint).toBe(24);
  });

  it('a command the safety processor rejects never reaches the device', async () => {
    const before = writesTo(102);
    const c = command(HEATING, { value: 35 });
    await propose(c);
    const decision = await decisionOf(c.commandId);
    expect(decision.decision).toBe('rejected');
    expect(decision.reasons?.map((r) => r.code)).toContain('above_max');
    // A later accepted command on the same point proves the gateway read past the rejected one.
    const marker = command(DIMMING, { value: 50, unit: 'percent', expiresAt: new Date(Date.now() + 4_000) });
    await propose(marker);
    await waitOutcomes(marker.commandId, 2);
    expect(
      (await readEvents(platform, 'controlOutcomes')).some((e) => e.value.commandId === c.commandId),
    ).toBe(false);
    expect(writesTo(102)).toBe(before);
    expect(plant.zone(0).heatingSetpoint).toBe(20);
  });

  it('kill -9 mid-command: on restart a command that expired while down is relinquished (register back at 20), an active one is restored and still relinquishes on cancel', async () => {
    const expiring = command(HEATING, { value: 22, expiresAt: new Date(Date.now() + 12_000) });
    const lasting = command(DIMMING, {
      value: 40,
      unit: 'percent',
      expiresAt: new Date(Date.now() + 600_000),
    });
    await propose(expiring);
    await propose(lasting);
    expect((await waitOutcomes(expiring.commandId, 1))[0]).toMatchObject({
      outcome: 'acknowledged',
      readBack: 22,
    });
    expect((await waitOutcomes(lasting.commandId, 1))[0]).toMatchObject({
      outcome: 'acknowledged',
      readBack: 40,
    });
    const running = children.at(-1);
    await running?.kill();
    expect(plant.zone(0).heatingSetpoint).toBe(22);
    // Down past the expiry: nothing relinquishes it meanwhile.
    await waitFor(
      'the expiry to pass',
      async () => (Date.now() > expiring.expiresAt.getTime() + 500 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    expect(plant.zone(0).heatingSetpoint).toBe(22);
    const dimmingWrites = writesTo(104);
    await startGateway();
    const [, rel] = await waitOutcomes(expiring.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'expiry', readBack: 20 });
    expect(plant.zone(0).heatingSetpoint).toBe(20);
    // The active one was restored (no second acknowledgement) and still relinquishes to its default.
    await waitFor(
      'the active command rewritten',
      async () => (writesTo(104) > dimmingWrites ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    expect(await waitOutcomes(lasting.commandId, 1)).toHaveLength(1);
    await cancel(lasting);
    const [, cancelled] = await waitOutcomes(lasting.commandId, 2);
    expect(cancelled).toMatchObject({ outcome: 'relinquished', cause: 'cancelled', readBack: 100 });
    expect(plant.getRegisters('holding', 104, 1)[0]).toBe(100);
  });
});
