import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlSafetyProcessor, type RunningProcessor, runProcessor } from '../../processors/index.ts';
import type { ControlCommandRequested, ControlOutcome } from '../../schemas/index.ts';
import {
  type SimulatedBacnetDevice,
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
  ZONE_OBJECTS,
} from '../../sources/gateways/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The loop on the simulated BACnet device: `eaio gateway` (protocol from the points file) as a child
 * process, the real safety processor; the device's own priority array and Relinquish_Default are the
 * ground truth.
 */
const DEVICE = 4201;
const COOLING = 'sim-bacnet/zone-1/cooling-setpoint';

describe('the control loop on the simulated BACnet device, eaio gateway in a child process', () => {
  let platform: TestPlatform;
  let device: SimulatedBacnetDevice;
  let processor: RunningProcessor;
  let gateway: EaioProcess | undefined;
  let dir: string;

  const waitOutcomes = (commandId: string, count: number): Promise<ControlOutcome[]> =>
    waitFor(
      `${count} outcome(s) of ${commandId}`,
      async () => {
        const found = (await readEvents(platform, 'controlOutcomes'))
          .map((e) => e.value)
          .filter((o) => o.commandId === commandId);
        if (found.length > count) throw new Error(`too many outcomes: ${JSON.stringify(found)}`);
        return found.length === count ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );

  beforeAll(async () => {
    platform = await createTestPlatform('control_loop_bacnet');
    device = await startSimulatedBacnetDevice({ deviceInstance: DEVICE, objects: simulatedZoneObjects() });
    dir = await mkdtemp(join(tmpdir(), 'eaio-gateway-bacnet-'));
    const pointsFile = join(dir, 'points.json');
    const map = simulatedZonePointMap({
      deviceAddress: device.address,
      deviceInstance: DEVICE,
      buildingId: 'sim-bacnet',
      mode: 'read-write',
      pollSeconds: 1,
      gatewayId: 'bacnet-gw:test',
    });
    await writeFile(pointsFile, JSON.stringify(map));
    processor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, controlSafetyProcessor);
    const child = spawnEaio(['gateway', '--points', pointsFile, '--tick-ms', '200'], platform.childEnv);
    gateway = child;
    await waitFor(
      'eaio gateway running',
      async () => {
        if (child.child.exitCode !== null) throw new Error(`eaio gateway exited: ${child.stderr()}`);
        return child.stderr().includes('(bacnet, read-write) running') ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await gateway?.kill();
    await processor?.stop();
    await device?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await platform?.dispose();
  });

  it('accepted -> WriteProperty at priority 8 -> acknowledged -> NULL at 8 at expiry, back at Relinquish_Default', async () => {
    const { objectType, instance } = ZONE_OBJECTS.coolingSetpoint;
    const prior = device.presentValue(objectType, instance);
    const value = prior === 26 ? 25 : 26;
    const c: ControlCommandRequested = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      commandId: `c-${randomUUID().slice(0, 8)}`,
      buildingId: 'sim-bacnet',
      pointId: COOLING,
      value,
      unit: 'degC',
      priority: 8,
      expiresAt: new Date(Date.now() + 15_000),
      requestedBy: 'user:alice',
      reason: 'test',
      schedule: null,
      heartbeatSeconds: null,
    };
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic('controlCommands'),
      messages: [{ key: `sim-bacnet/${COOLING}`, value: await platform.codec.encode('controlCommands', c) }],
    });
    const [ack] = await waitOutcomes(c.commandId, 1);
    expect(ack).toMatchObject({
      outcome: 'acknowledged',
      value,
      priority: 8,
      readBack: value,
      source: 'bacnet-gw:test',
    });
    expect(device.priorityArray(objectType, instance)[7]).toBe(value);
    const [, rel] = await waitOutcomes(c.commandId, 2);
    expect(rel).toMatchObject({ outcome: 'relinquished', cause: 'expiry', priority: 8, readBack: prior });
    expect(device.priorityArray(objectType, instance)[7]).toBeNull();
    expect(device.presentValue(objectType, instance)).toBe(prior);
  });
});
