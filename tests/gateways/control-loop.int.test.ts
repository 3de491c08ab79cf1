import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  TopicKey,
  TopicValue,
} from '../../schemas/index.ts';
import {
  type ControlAction,
  type RunningExecutor,
  startCommandExecutor,
} from '../../sources/gateways/command-executor/index.ts';
import type { GatewayPoint } from '../../sources/gateways/index.ts';
import { type RunningGateway, runGateway } from '../../sources/gateways/runner/index.ts';
import { FakeGateway } from '../support/fake-gateway.ts';
import { readEvents } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The loop at the gateway on the real broker and registry: decisions produced directly (the safety
 * processor is not the subject here), the runner and the executor in this process against an in-memory
 * device with a priority array. Each scenario has a point of its own.
 */
const PRIOR = 21;
const setpoint = (pointId: string, over: Partial<GatewayPoint> = {}): GatewayPoint =>
  ({
    pointId,
    buildingId: 'b1',
    role: 'setpoint',
    pollSeconds: 1,
    pointKind: 'zone_air_temperature_setpoint',
    unit: 'degC',
    minValue: 15,
    maxValue: 30,
    requiresApproval: false,
    ...over,
  }) as GatewayPoint;

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
];
const APPROVAL = new Set(['p-approve', 'p-refuse', 'p-timeout', 'p-cancel-before']);

describe('the control loop at the gateway (in-memory device, real Kafka)', () => {
  let platform: TestPlatform;
  let device: FakeGateway;
  let roDevice: FakeGateway;
  let runner: RunningGateway;
  let executor: RunningExecutor;
  let roRunner: RunningGateway;
  let roExecutor: RunningExecutor;

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
    platform = await createTestPlatform('control_loop');
    const publish = await platform.feedDeps();
    device = new FakeGateway('fake-gw:rw', Object.fromEntries(POINTS.map((p) => [p, PRIOR])));
    device.failReads.add('p-stale');
    device.failWrites.add('p-exception');
    const points = POINTS.map((p) =>
      setpoint(
        p,
        APPROVAL.has(p) ? { requiresApproval: true, approvalTimeoutSeconds: p === 'p-timeout' ? 3 : 60 } : {},
      ),
    );
    const map = {
      gateway: { id: 'fake-gw:rw', mode: 'read-write' as const, defaultPriority: 8, staleAfterPolls: 3 },
      points,
    };
    runner = await runGateway({ publish }, map, device);
    executor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway: device,
      gatewayId: map.gateway.id,
      mode: 'read-write',
      points: points.map((p) => ({
        pointId: p.pointId,
        buildingId: p.buildingId,
        requiresApproval: p.role === 'setpoint' && p.requiresApproval,
        approvalTimeoutSeconds: p.role === 'setpoint' ? p.approvalTimeoutSeconds : undefined,
      })),
      isFresh: (id, now) => runner.isFresh(id, now),
      tickMs: 200,
    });
    roDevice = new FakeGateway('fake-gw:ro', { 'p-readonly': PRIOR });
    const roMap = {
      gateway: { id: 'fake-gw:ro', mode: 'read-only' as const, defaultPriority: 8, staleAfterPolls: 3 },
      points: [setpoint('p-readonly')],
    };
    roRunner = await runGateway({ publish }, roMap, roDevice);
    roExecutor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway: roDevice,
      gatewayId: roMap.gateway.id,
      mode: 'read-only',
      points: [{ pointId: 'p-readonly', buildingId: 'b1', requiresApproval: false }],
      isFresh: (id, now) => roRunner.isFresh(id, now),
      tickMs: 200,
    });
    await waitFor('first good reads', async () =>
      runner.isFresh('p-expiry', new Date()) ? true : undefined,
    );
  });

  afterAll(async () => {
    await executor?.stop();
    await roExecutor?.stop();
    await runner?.stop();
    await roRunner?.stop();
    await platform?.dispose();
  });

  it('registers control points with the gateway, zone and approval policy; reports point values', async () => {
    const registered = await waitFor('registrations', async () => {
      const found = (await readEvents(platform, 'controlPoints')).map((e) => e.value);
      return found.length >= POINTS.length + 1 ? found : undefined;
    });
    expect(registered.find((p) => p.pointId === 'p-approve')).toMatchObject({
      gatewayId: 'fake-gw:rw',
      requiresApproval: true,
      approvalTimeoutSeconds: 60,
    });
    const values = await waitFor('point values', async () => {
      const found = (await readEvents(platform, 'pointValues')).map((e) => e.value);
      return found.some((v) => v.pointId === 'p-expiry') ? found : undefined;
    });
    expect(values.find((v) => v.pointId === 'p-expiry')).toMatchObject({
      value: PRIOR,
      unit: 'degC',
      source: 'fake-gw:rw',
    });
    // A failing read produces no value: the point is stale.
    expect(values.some((v) => v.pointId === 'p-stale')).toBe(false);
  });

  it('accepted -> acknowledged with readBack -> relinquished at expiry, value back to prior', async () => {
    const c = command('p-expiry', { expiresAt: new Date(Date.now() + 4_000) });
    await propose(c);
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({
      outcome: 'acknowledged',
      value: 24,
      priority: 8,
      readBack: 24,
      cause: null,
      source: 'fake-gw:rw',
    });
    expect(device.value('p-expiry')).toBe(24);
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'expiry', priority: 8, readBack: PRIOR });
    expect(device.value('p-expiry')).toBe(PRIOR);
  });

  it('a rejected decision never reaches the device', async () => {
    const c = command('p-rejected');
    await propose(c, 'rejected');
    // A later accepted command on another point proves the executor has read past it.
    const marker = command('p-expiry', { expiresAt: new Date(Date.now() + 2_000) });
    await propose(marker);
    await waitOutcomes(marker.commandId, 2);
    expect(await outcomesOf(c.commandId)).toEqual([]);
    expect(device.writes.filter((w) => w.pointId === 'p-rejected')).toEqual([]);
    expect(device.value('p-rejected')).toBe(PRIOR);
  });

  it("approval by a second principal: the proposer's own approval does not count", async () => {
    const c = command('p-approve');
    await propose(c);
    await act(c, 'approve', 'user:alice');
    const other = command('p-expiry', { expiresAt: new Date(Date.now() + 1_500) });
    await propose(other);
    await waitOutcomes(other.commandId, 2);
    expect(await outcomesOf(c.commandId)).toEqual([]);
    expect(device.value('p-approve')).toBe(PRIOR);
    await act(c, 'approve', 'user:bob');
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({ outcome: 'acknowledged', readBack: 24 });
    await act(c, 'cancel', 'user:alice');
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'cancelled', readBack: PRIOR });
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
    expect(device.writes.filter((w) => w.pointId === 'p-refuse' || w.pointId === 'p-timeout')).toEqual([]);
  });

  it('device exception on write -> failed device_error; stale point and read-only gateway -> refused', async () => {
    const failing = command('p-exception');
    const stale = command('p-stale');
    const readOnly = command('p-readonly');
    await propose(failing);
    await propose(stale);
    await propose(readOnly);
    expect((await waitOutcomes(failing.commandId, 1))[0]).toMatchObject({
      outcome: 'failed',
      cause: 'device_error',
      deviceMessage: expect.stringContaining('exception'),
    });
    expect((await waitOutcomes(stale.commandId, 1))[0]).toMatchObject({
      outcome: 'refused',
      cause: 'stale_value',
    });
    expect((await waitOutcomes(readOnly.commandId, 1))[0]).toMatchObject({
      outcome: 'refused',
      cause: 'gateway_unavailable',
      source: 'fake-gw:ro',
    });
    expect(device.value('p-exception')).toBe(PRIOR);
    expect(roDevice.writes).toEqual([]);
    expect(roDevice.value('p-readonly')).toBe(PRIOR);
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
    expect(device.value('p-cancel-after')).toBe(24);
    await act(after, 'cancel', 'user:alice');
    expect((await waitOutcomes(after.commandId, 2))[1]).toMatchObject({
      outcome: 'relinquished',
      cause: 'cancelled',
      readBack: PRIOR,
    });
    expect(device.writes.filter((w) => w.pointId === 'p-cancel-before')).toEqual([]);
  });

  it('heartbeat: kept alive by the proposer, relinquished heartbeat_lost when it stops', async () => {
    const c = command('p-heartbeat', { heartbeatSeconds: 1 });
    await propose(c);
    await waitOutcomes(c.commandId, 1);
    for (let i = 0; i < 3; i++) {
      await act(c, 'heartbeat', 'user:alice');
      await new Promise((r) => setTimeout(r, 700));
    }
    // Alive after 2.1 s of heartbeats, longer than 2 x heartbeatSeconds.
    expect((await outcomesOf(c.commandId)).map((o) => o.outcome)).toEqual(['acknowledged']);
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'heartbeat_lost', readBack: PRIOR });
  });

  it('priorities 8 and 5 on one point: 5 wins, 8 takes over when 5 is relinquished', async () => {
    const low = command('p-prio', { value: 23, priority: 8 });
    const high = command('p-prio', { value: 26, priority: 5, expiresAt: new Date(Date.now() + 5_000) });
    await propose(low);
    expect((await waitOutcomes(low.commandId, 1))[0]).toMatchObject({ readBack: 23 });
    await propose(high);
    expect((await waitOutcomes(high.commandId, 1))[0]).toMatchObject({
      outcome: 'acknowledged',
      priority: 5,
      readBack: 26,
    });
    expect((await waitOutcomes(high.commandId, 2))[1]).toMatchObject({
      outcome: 'relinquished',
      cause: 'expiry',
      readBack: 23,
    });
    expect(device.value('p-prio')).toBe(23);
    await act(low, 'cancel', 'user:alice');
    expect((await waitOutcomes(low.commandId, 2))[1]).toMatchObject({ readBack: PRIOR });
  });

  it('outcome ids are deterministic and unique per step', async () => {
    const all = (await readEvents(platform, 'controlOutcomes')).map((e) => e.value.eventId);
    expect(new Set(all).size).toBe(all.length);
    expect(executor.stats().undecodable).toBe(0);
  });
});
