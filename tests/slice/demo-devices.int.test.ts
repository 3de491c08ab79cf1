import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandPropose,
  controlCommandDepsOf,
  demoDevicesHelp,
  type ProposeFlags,
  type RunningDemoDevices,
  startDemoDevices,
} from '../../app/commands/index.ts';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { controlSafetyProcessor, type RunningProcessor, runProcessor } from '../../processors/index.ts';
import type { ControlOutcome } from '../../schemas/index.ts';
import { ZONE_OBJECTS } from '../../sources/gateways/index.ts';
import { loadBdg1Sample } from '../../sources/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * What `npm start` adds for an agent: the demo devices (the function `eaio start --demo` calls), with
 * the real safety processor on an isolated slice of the stack. The command proposed is the one the
 * connection help prints, parsed from that line, so the copy-paste example is proven to reach a device.
 */
describe('npm start demo devices', () => {
  let platform: TestPlatform;
  let processor: RunningProcessor;
  let demo: RunningDemoDevices;
  let buildingIds: string[];

  beforeAll(async () => {
    platform = await createTestPlatform('demo_devices');
    buildingIds = (await loadBdg1Sample()).slice(0, 2).map((b) => b.buildingId);
    processor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, controlSafetyProcessor);
    const deps = await platform.feedDeps();
    demo = await startDemoDevices(
      { publish: deps, kafka: platform.kafka, logger: deps.logger },
      { buildingIds, modbusPort: 0, bacnetPort: 0, pollSeconds: 1, tickMs: 200 },
    );
  });

  afterAll(async () => {
    await demo?.stop();
    await processor?.stop();
    await platform?.dispose();
  });

  const outcomes = (commandId: string): Promise<ControlOutcome> =>
    waitFor(
      `the outcome of ${commandId}`,
      async () => {
        const found = (await readEvents(platform, 'controlOutcomes'))
          .map((e) => e.value)
          .filter((o) => o.commandId === commandId);
        return found[0];
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );

  it('registers one zone of control points per device, in two demo buildings, lighting requiring approval', async () => {
    expect(demo.devices.map((d) => [d.protocol, d.buildingId])).toEqual([
      ['modbus', buildingIds[0]],
      ['bacnet', buildingIds[1]],
    ]);
    for (const d of demo.devices) expect(d.address).not.toMatch(/:(502|47808)$/);
    const expected = demo.devices.flatMap((d) => d.controlPoints.map((p) => p.pointId));
    expect(expected).toHaveLength(8);
    const registered = await waitFor(
      'the demo control points registered',
      async () => {
        const seen = (await readEvents(platform, 'controlPoints')).map((e) => e.value);
        return expected.every((id) => seen.some((r) => r.pointId === id)) ? seen : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    const lighting = registered.filter((r) => r.pointId.endsWith('/lighting'));
    expect(lighting).toHaveLength(2);
    for (const r of lighting) expect(r.requiresApproval).toBe(true);
    expect(registered.find((r) => r.pointId.endsWith('/cooling-setpoint'))?.gatewayId).toMatch(/-gw:demo$/);
  });

  it("the printed propose example reaches the Modbus plant; the same on the BACnet device's setpoint", async () => {
    const help = demoDevicesHelp(demo.devices, TOOL_NAMES.proposeControlCommand);
    const line = help.find((l) => l.includes('npx eaio command propose'));
    expect(line).toBeDefined();
    expect(help.some((l) => l.includes(TOOL_NAMES.proposeControlCommand))).toBe(true);
    const flags = flagsOf(line ?? '');
    const bacnet = demo.devices[1];
    const bacnetPoint = bacnet?.controlPoints.find((p) => p.pointKind === 'cooling_setpoint')?.pointId;
    expect(bacnetPoint).toBeDefined();
    const bacnetFlags: ProposeFlags = {
      ...flags,
      building: bacnet?.buildingId ?? '',
      point: bacnetPoint ?? '',
    };
    // The safety processor judges against the point's latest value: wait until both have one.
    await waitFor(
      'point values of both cooling setpoints',
      async () => {
        const values = (await readEvents(platform, 'pointValues')).map((e) => e.value.pointId);
        return values.includes(flags.point) && values.includes(bacnetFlags.point) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    const deps = controlCommandDepsOf(platform);
    const quiet = () => undefined;
    const [modbusId, bacnetId] = await Promise.all([
      commandPropose(deps, flags, quiet, quiet),
      commandPropose(deps, bacnetFlags, quiet, quiet),
    ]);
    const [modbusOutcome, bacnetOutcome] = await Promise.all([outcomes(modbusId), outcomes(bacnetId)]);
    const value = Number(flags.value);
    expect(modbusOutcome).toMatchObject({ outcome: 'acknowledged', value, readBack: value, priority: 8 });
    expect(bacnetOutcome).toMatchObject({ outcome: 'acknowledged', value, readBack: value, priority: 8 });
    expect(demo.plant.zone(0).coolingSetpoint).toBe(value);
    const { objectType, instance } = ZONE_OBJECTS.coolingSetpoint;
    expect(demo.bacnet.priorityArray(objectType, instance)[7]).toBe(value);
  });
});

/** The flags of a printed `npx eaio command propose --a b ...` line, as commander would hand them over. */
function flagsOf(line: string): ProposeFlags {
  const words = line
    .slice(line.indexOf('propose') + 'propose'.length)
    .trim()
    .split(/\s+/);
  const flags: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) {
    const name = words[i]?.replace(/^--/, '').replace(/-(.)/g, (_m, c: string) => c.toUpperCase());
    if (name !== undefined && words[i + 1] !== undefined) flags[name] = words[i + 1] as string;
  }
  return flags as unknown as ProposeFlags;
}
