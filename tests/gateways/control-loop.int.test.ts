import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorPointsOf } from '../../app/commands/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  TopicKey,
  TopicValue,
} from '../../schemas/index.ts';
import type { ControlAction } from '../../sources/gateways/command-executor/index.ts';
import {
  createModbusGateway,
  type ModbusGateway,
  type ModbusPointMap,
  parseModbusPointMap,
  plantAddresses,
  type RunningExecutor,
  type RunningGateway,
  runGateway,
  type SimulatedModbusPlant,
  startCommandExecutor,
  startSimulatedModbusPlant,
} from '../../sources/gateways/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The loop at the gateway on the real broker and registry and the simulated Modbus plant on loopback:
 * decisions produced directly (the safety processor is not the subject here), the runner and the
 * executor in this process over `createModbusGateway`, so every write goes through the emulated
 * priority array and Modbus TCP to a register. Each scenario has a point of its own, the cooling
 * setpoint of its own zone of the plant; the plant's registers and its request log are the ground
 * truth of what reached the device.
 */
const PRIOR = 21;
/** Modbus function codes that write (coil, register, coils, registers). */
const WRITE_FUNCTION_CODES = new Set([5, 6, 15, 16]);

const POINTS = [
  'p-expiry',
  'p-approve',
  'p-refuse',
  'p-timeout',
  'p-exception',
  'p-stale',
  'p-cancel-before',
  'p-cancel-after',
  'p-heartbeat',
  'p-prio',
  'p-rejected',
  'p-quiet',
] as const;
/** The read-only gateway's point: the zone after the read-write gateway's. */
const READ_ONLY_POINT = 'p-readonly';
const APPROVAL = new Set<string>(['p-approve', 'p-refuse', 'p-timeout', 'p-cancel-before']);
/** A cumulative counter in input registers the plant does not compute, so the test moves it. */
const METER_ADDRESS = 1_000;

/** The zone, and so the registers, of a point. */
const zoneOf = (pointId: string): number => {
  const index =
    pointId === READ_ONLY_POINT ? POINTS.length : POINTS.indexOf(pointId as (typeof POINTS)[number]);
  if (index < 0) throw new Error(`no zone for ${pointId}`);
  return index;
};
const addressOf = (pointId: string): number => plantAddresses(zoneOf(pointId)).coolingSetpoint;

const setpoint = (pointId: string) => ({
  pointId,
  buildingId: 'b1',
  role: 'setpoint',
  pollSeconds: 1,
  pointKind: 'cooling_setpoint',
  unit: 'degC',
  minValue: 15,
  maxValue: 30,
  // The register goes back to its value before any command once every priority is relinquished.
  relinquishDefault: PRIOR,
  requiresApproval: APPROVAL.has(pointId),
  ...(APPROVAL.has(pointId) ? { approvalTimeoutSeconds: pointId === 'p-timeout' ? 3 : 60 } : {}),
  table: 'holding',
  address: addressOf(pointId),
  type: 'float32',
});

function mapFor(
  plant: SimulatedModbusPlant,
  id: string,
  mode: 'read-write' | 'read-only',
  points: readonly object[],
): ModbusPointMap {
  return parseModbusPointMap({
    gateway: {
      id,
      protocol: 'modbus',
      mode,
      host: plant.host,
      port: plant.port,
      defaultPriority: 8,
      staleAfterPolls: 3,
      timeoutMs: 1_000,
      reconnect: { initialMs: 100, maxMs: 1_000 },
    },
    points,
  });
}

describe('the control loop at the gateway (simulated Modbus plant, real Kafka)', () => {
  let platform: TestPlatform;
  let plant: SimulatedModbusPlant;
  let device: ModbusGateway;
  let roDevice: ModbusGateway;
  let runner: RunningGateway;
  let executor: RunningExecutor;
  let roRunner: RunningGateway;
  let roExecutor: RunningExecutor;

  /** The value in the point's register now. */
  const register = (pointId: string): number => plant.zone(zoneOf(pointId)).coolingSetpoint;
  /** Write requests that reached the plant for the point's register. */
  const writesTo = (pointId: string) =>
    plant.requests.filter(
      (r) => WRITE_FUNCTION_CODES.has(r.functionCode) && r.address === addressOf(pointId),
    );
  const setCounter = (value: number) =>
    plant.setRegisters('input', METER_ADDRESS, [Math.floor(value / 0x10000), value & 0xffff]);

  async function send<K extends TopicKey>(
    topic: K,
    value: TopicValue<K> & { buildingId: string; pointId: string },
  ) {
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic(topic),
      messages: [
        { key: `${value.buildingId}/${value.pointId}`, value: await platform.codec.encode(topic, value) },
      ],
    });
  }

  function command(pointId: string, over: Partial<ControlCommandRequested> = {}): ControlCommandRequested {
    return {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: `c-${pointId}-${randomUUID().slice(0, 8)}`,
      buildingId: 'b1',
      pointId,
      value: 24,
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

  async function propose(c: ControlCommandRequested, verdict: 'accepted' | 'rejected' = 'accepted') {
    await send('controlCommands', c);
    const decision: ControlDecision = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test-safety',
      commandId: c.commandId,
      buildingId: c.buildingId,
      pointId: c.pointId,
      decision: verdict,
      reasons: verdict === 'rejected' ? [{ code: 'above_max', message: 'too high' }] : [],
    };
    await send('controlDecisions', decision);
  }

  async function act(c: ControlCommandRequested, action: ControlAction['action'], actor: string) {
    await send('controlActions', {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: c.commandId,
      buildingId: c.buildingId,
      pointId: c.pointId,
      action,
      actor,
      reason: null,
    });
  }

  async function outcomesOf(commandId: string): Promise<ControlOutcome[]> {
    return (await readEvents(platform, 'controlOutcomes'))
      .map((e) => e.value)
      .filter((o) => o.commandId === commandId);
  }

  async function waitOutcomes(
    commandId: string,
    count: number,
    timeoutMs = 30_000,
  ): Promise<ControlOutcome[]> {
    return waitFor(
      `${count} outcome(s) of ${commandId}`,
      async () => {
        const found = await outcomesOf(commandId);
        if (found.length > count) throw new Error(`too many outcomes: ${JSON.stringify(found)}`);
        return found.length === count ? found : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  beforeAll(async () => {
    plant = await startSimulatedModbusPlant({
      zones: Array.from({ length: POINTS.length + 1 }, () => ({ coolingSetpoint: PRIOR })),
    });
    setCounter(1000);
    // A setpoint that never reads (stale), and one whose writes the device refuses.
    plant.failRange('holding', addressOf('p-stale'), addressOf('p-stale') + 1, 2);
    plant.failWrites('holding', addressOf('p-exception'), addressOf('p-exception') + 1, 4);
    platform = await createTestPlatform('control_loop');
    const publish = await platform.feedDeps();

    const map = mapFor(plant, 'modbus-gw:rw', 'read-write', [
      ...POINTS.map(setpoint),
      {
        pointId: 'm-energy',
        buildingId: 'b1',
        role: 'meter',
        pollSeconds: 1,
        meterKind: 'electricity',
        unit: 'kWh',
        valueIs: 'cumulative',
        table: 'input',
        address: METER_ADDRESS,
        type: 'uint32',
      },
    ]);
    device = createModbusGateway(map);
    await device.connect();
    runner = await runGateway({ publish }, map, device);
    executor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway: device,
      gatewayId: map.gateway.id,
      mode: map.gateway.mode,
      points: executorPointsOf(map),
      isFresh: (id, now) => runner.isFresh(id, now),
      tickMs: 200,
    });

    const roMap = mapFor(plant, 'modbus-gw:ro', 'read-only', [setpoint(READ_ONLY_POINT)]);
    roDevice = createModbusGateway(roMap);
    await roDevice.connect();
    roRunner = await runGateway({ publish }, roMap, roDevice);
    roExecutor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway: roDevice,
      gatewayId: roMap.gateway.id,
      mode: roMap.gateway.mode,
      points: executorPointsOf(roMap),
      isFresh: (id, now) => roRunner.isFresh(id, now),
      tickMs: 200,
    });
    await waitFor('first good reads', async () =>
      runner.isFresh('p-expiry', new Date()) && roRunner.isFresh(READ_ONLY_POINT, new Date())
        ? true
        : undefined,
    );
  });

  afterAll(async () => {
    await executor?.stop();
    await roExecutor?.stop();
    await runner?.stop();
    await roRunner?.stop();
    await device?.close();
    await roDevice?.close();
    await plant?.close();
    await platform?.dispose();
  });

  it('registers control points with the gateway, zone and approval policy; reports point values', async () => {
    const registered = await waitFor('registrations', async () => {
      const found = (await readEvents(platform, 'controlPoints')).map((e) => e.value);
      return found.length >= POINTS.length + 1 ? found : undefined;
    });
    expect(registered.find((p) => p.pointId === 'p-approve')).toMatchObject({
      gatewayId: 'modbus-gw:rw',
      requiresApproval: true,
      approvalTimeoutSeconds: 60,
    });
    expect(registered.find((p) => p.pointId === READ_ONLY_POINT)).toMatchObject({
      gatewayId: 'modbus-gw:ro',
    });
    const values = await waitFor('point values', async () => {
      const found = (await readEvents(platform, 'pointValues')).map((e) => e.value);
      return found.some((v) => v.pointId === 'p-expiry') ? found : undefined;
    });
    expect(values.find((v) => v.pointId === 'p-expiry')).toMatchObject({
      value: PRIOR,
      unit: 'degC',
      source: 'modbus-gw:rw',
    });
    // A failing read produces no value: the point is stale.
    expect(values.some((v) => v.pointId === 'p-stale')).toBe(false);
    expect(runner.points().get('p-stale')?.lastError).toMatch(/Modbus exception 2/);
  });

  it('accepted -> acknowledged with readBack -> relinquished at expiry, register back to its prior value', async () => {
    const c = command('p-expiry', { expiresAt: new Date(Date.now() + 4_000) });
    await propose(c);
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({
      outcome: 'acknowledged',
      value: 24,
      priority: 8,
      readBack: 24,
      cause: null,
      source: 'modbus-gw:rw',
    });
    expect(register('p-expiry')).toBe(24);
    expect(device.priorityArray('p-expiry').active).toEqual({ priority: 8, value: 24 });
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'expiry', priority: 8, readBack: PRIOR });
    expect(register('p-expiry')).toBe(PRIOR);
    expect(device.priorityArray('p-expiry').active).toBeNull();
  });

  it('a rejected decision never reaches the device', async () => {
    const c = command('p-rejected');
    await propose(c, 'rejected');
    // A later accepted command on another point proves the executor has read past it.
    const marker = command('p-expiry', { expiresAt: new Date(Date.now() + 2_000) });
    await propose(marker);
    await waitOutcomes(marker.commandId, 2);
    expect(writesTo('p-expiry').length).toBeGreaterThan(0);
    expect(await outcomesOf(c.commandId)).toEqual([]);
    expect(writesTo('p-rejected')).toEqual([]);
    expect(register('p-rejected')).toBe(PRIOR);
  });

  it("approval by a second principal: the proposer's own approval does not count", async () => {
    const c = command('p-approve');
    await propose(c);
    await act(c, 'approve', 'user:alice');
    const other = command('p-expiry', { expiresAt: new Date(Date.now() + 1_500) });
    await propose(other);
    await waitOutcomes(other.commandId, 2);
    expect(await outcomesOf(c.commandId)).toEqual([]);
    expect(writesTo('p-approve')).toEqual([]);
    expect(register('p-approve')).toBe(PRIOR);
    await act(c, 'approve', 'user:bob');
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({ outcome: 'acknowledged', readBack: 24 });
    expect(register('p-approve')).toBe(24);
    await act(c, 'cancel', 'user:alice');
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'cancelled', readBack: PRIOR });
    expect(register('p-approve')).toBe(PRIOR);
  });

  it('approval refused -> expired approval_refused; timed out -> expired approval_timeout; never written', async () => {
    const refused = command('p-refuse');
    await propose(refused);
    await act(refused, 'refuse', 'user:bob');
    const timedOut = command('p-timeout');
    await propose(timedOut);
    expect((await waitOutcomes(refused.commandId, 1))[0]).toMatchObject({
      outcome: 'expired',
      cause: 'approval_refused',
    });
    expect((await waitOutcomes(timedOut.commandId, 1))[0]).toMatchObject({
      outcome: 'expired',
      cause: 'approval_timeout',
    });
    expect([...writesTo('p-refuse'), ...writesTo('p-timeout')]).toEqual([]);
    expect([register('p-refuse'), register('p-timeout')]).toEqual([PRIOR, PRIOR]);
  });

  it('device exception on write -> failed device_error; stale point and read-only gateway -> refused', async () => {
    const failing = command('p-exception');
    const stale = command('p-stale');
    const readOnly = command(READ_ONLY_POINT);
    await propose(failing);
    await propose(stale);
    await propose(readOnly);
    expect((await waitOutcomes(failing.commandId, 1))[0]).toMatchObject({
      outcome: 'failed',
      cause: 'device_error',
      value: 24,
      priority: 8,
      deviceMessage: expect.stringMatching(/Modbus exception 4 \(server device failure\)/),
    });
    expect((await waitOutcomes(stale.commandId, 1))[0]).toMatchObject({
      outcome: 'refused',
      cause: 'stale_value',
    });
    expect((await waitOutcomes(readOnly.commandId, 1))[0]).toMatchObject({
      outcome: 'refused',
      cause: 'gateway_unavailable',
      source: 'modbus-gw:ro',
    });
    // The device was asked (the write, then the best-effort release of its slot) and refused both.
    expect(writesTo('p-exception').map((r) => r.functionCode)).toEqual([16, 16]);
    expect(register('p-exception')).toBe(PRIOR);
    expect(device.priorityArray('p-exception').active).toBeNull();
    // Refused commands never reach the wire.
    expect(writesTo('p-stale')).toEqual([]);
    expect(writesTo(READ_ONLY_POINT)).toEqual([]);
    expect(register(READ_ONLY_POINT)).toBe(PRIOR);
  });

  it('cancel before the write -> expired cancelled; after -> relinquished cancelled', async () => {
    const before = command('p-cancel-before'); // waits for approval, so the cancel comes first
    await propose(before);
    await act(before, 'cancel', 'user:alice');
    expect((await waitOutcomes(before.commandId, 1))[0]).toMatchObject({
      outcome: 'expired',
      cause: 'cancelled',
    });
    const after = command('p-cancel-after');
    await propose(after);
    await waitOutcomes(after.commandId, 1);
    expect(register('p-cancel-after')).toBe(24);
    await act(after, 'cancel', 'user:alice');
    expect((await waitOutcomes(after.commandId, 2))[1]).toMatchObject({
      outcome: 'relinquished',
      cause: 'cancelled',
      readBack: PRIOR,
    });
    expect(register('p-cancel-after')).toBe(PRIOR);
    expect(writesTo('p-cancel-before')).toEqual([]);
    expect(register('p-cancel-before')).toBe(PRIOR);
  });

  it('heartbeat: kept alive by the proposer, relinquished heartbeat_lost when it stops', async () => {
    const c = command('p-heartbeat', { heartbeatSeconds: 1 });
    await propose(c);
    await waitOutcomes(c.commandId, 1);
    // The proposer's pace, not a wait for readiness: a heartbeat every 0.7 s for 2.1 s.
    for (let i = 0; i < 3; i++) {
      await act(c, 'heartbeat', 'user:alice');
      await delay(700);
    }
    // Alive after 2.1 s of heartbeats, longer than 2 x heartbeatSeconds.
    expect((await outcomesOf(c.commandId)).map((o) => o.outcome)).toEqual(['acknowledged']);
    expect(register('p-heartbeat')).toBe(24);
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'heartbeat_lost', readBack: PRIOR });
    expect(register('p-heartbeat')).toBe(PRIOR);
  });

  it('priorities 8 and 5 on one point: 5 wins, 8 takes over when 5 is relinquished', async () => {
    const low = command('p-prio', { value: 23, priority: 8 });
    const high = command('p-prio', { value: 26, priority: 5, expiresAt: new Date(Date.now() + 5_000) });
    await propose(low);
    expect((await waitOutcomes(low.commandId, 1))[0]).toMatchObject({ priority: 8, readBack: 23 });
    expect(register('p-prio')).toBe(23);
    await propose(high);
    expect((await waitOutcomes(high.commandId, 1))[0]).toMatchObject({
      outcome: 'acknowledged',
      priority: 5,
      readBack: 26,
    });
    expect(register('p-prio')).toBe(26);
    const slots = device.priorityArray('p-prio').slots;
    expect([slots[4], slots[7]]).toEqual([26, 23]);
    expect((await waitOutcomes(high.commandId, 2))[1]).toMatchObject({
      outcome: 'relinquished',
      cause: 'expiry',
      priority: 5,
      readBack: 23,
    });
    expect(register('p-prio')).toBe(23);
    await act(low, 'cancel', 'user:alice');
    expect((await waitOutcomes(low.commandId, 2))[1]).toMatchObject({ priority: 8, readBack: PRIOR });
    expect(register('p-prio')).toBe(PRIOR);
  });

  it('a cumulative meter: readings are differences; a counter going backwards is a data-quality issue, never a negative reading', async () => {
    const readingsOf = async () =>
      (await readEvents(platform, 'sensorReadings'))
        .map((e) => e.value)
        .filter((r) => r.meterId === 'm-energy');
    setCounter(1010);
    await waitFor('the 10 kWh reading', async () =>
      (await readingsOf()).some((r) => r.value === 10) ? true : undefined,
    );
    setCounter(5);
    const issue = await waitFor('the backwards counter issue', async () =>
      (await readEvents(platform, 'dataQualityIssues'))
        .map((e) => e.value)
        .find((i) => i.meterId === 'm-energy'),
    );
    expect(issue.evidence).toMatchObject({ previous: '1010', current: '5' });
    setCounter(7);
    await waitFor('the 2 kWh reading after the new baseline', async () =>
      (await readingsOf()).some((r) => r.value === 2) ? true : undefined,
    );
    const readings = await readingsOf();
    expect(readings.every((r) => r.value >= 0)).toBe(true);
    expect(readings.map((r) => r.value).filter((v) => v !== 0)).toEqual([10, 2]);
  });

  it('a device that stops answering: the command is never acknowledged, and once it answers again one is written', async () => {
    const quiet = command('p-quiet');
    plant.silence();
    try {
      await propose(quiet);
      // Which of the gateway's checks meets the silence first depends on when the last poll ran: the
      // write times out (failed), a poll timed out first (disconnected), or reads failed long enough
      // for the point to go stale. Each is fail-safe; none may be an acknowledgement.
      const [first] = await waitOutcomes(quiet.commandId, 1);
      expect(['failed/device_error', 'refused/gateway_unavailable', 'refused/stale_value']).toContain(
        `${first?.outcome}/${first?.cause}`,
      );
      expect(register('p-quiet')).toBe(PRIOR);
    } finally {
      plant.resume();
    }
    await waitFor('the device answering again and the point fresh', async () =>
      device.health().connected && runner.isFresh('p-quiet', new Date()) ? true : undefined,
    );
    const again = command('p-quiet', { value: 25 });
    await propose(again);
    expect((await waitOutcomes(again.commandId, 1))[0]).toMatchObject({
      outcome: 'acknowledged',
      value: 25,
      readBack: 25,
    });
    expect(register('p-quiet')).toBe(25);
  });

  it('outcome ids are deterministic and unique per step', async () => {
    const all = (await readEvents(platform, 'controlOutcomes')).map((e) => e.value.eventId);
    expect(new Set(all).size).toBe(all.length);
    expect(executor.stats().undecodable).toBe(0);
  });
});
