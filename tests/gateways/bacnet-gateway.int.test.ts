import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BacnetPointMap,
  buildPointMap,
  createBacnetGateway,
  discoverDevices,
  type Gateway,
  GatewayError,
  loadBacnetPointMap,
  PointMapError,
  type PointRead,
  parseBacnetPointMap,
  type SimulatedBacnetDevice,
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
} from '../../sources/gateways/index.ts';
import { waitFor } from '../support/wait-for.ts';

const DEVICE = 4101;
const building = 'Office_Ellie';
const setpoint = (
  pointId: string,
  objectType: string,
  objectInstance: number,
  kind: string,
  unit: string,
  min: number,
  max: number,
) => ({
  pointId,
  buildingId: building,
  role: 'setpoint',
  pointKind: kind,
  unit,
  minValue: min,
  maxValue: max,
  objectType,
  objectInstance,
});

function zoneMap(address: string, overrides: Record<string, unknown> = {}): BacnetPointMap {
  return parseBacnetPointMap(
    {
      gateway: {
        id: 'bacnet-gw:test-zone',
        protocol: 'bacnet',
        mode: 'read-write',
        localAddress: '127.0.0.1',
        localPort: 0,
        device: { address, deviceInstance: DEVICE },
        timeoutMs: 400,
        ...overrides,
      },
      points: [
        setpoint('hsp', 'analog-value', 1, 'heating_setpoint', 'degC', 15, 25),
        setpoint('csp', 'analog-value', 2, 'cooling_setpoint', 'degC', 20, 30),
        {
          pointId: 'zt',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'analog-input',
          objectInstance: 1,
        },
        setpoint('light', 'binary-output', 1, 'lighting_level', 'boolean', 0, 1),
        setpoint('dim', 'analog-output', 1, 'lighting_level', 'percent', 0, 100),
        // Mapped, but the device has no such object.
        {
          pointId: 'ghost',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'analog-input',
          objectInstance: 99,
        },
      ],
    },
    'test',
  );
}

const goodValue = (read: PointRead | undefined): number => {
  if (!read?.ok) throw new Error(`expected a good read, got ${JSON.stringify(read)}`);
  return read.value;
};

describe('BACnet/IP gateway against the simulated device on loopback', () => {
  let sim: SimulatedBacnetDevice;
  let gateway: Gateway;

  beforeAll(async () => {
    sim = await startSimulatedBacnetDevice({
      deviceInstance: DEVICE,
      deviceName: 'Zone 1 controller',
      objects: simulatedZoneObjects(),
    });
    gateway = createBacnetGateway(zoneMap(sim.address));
    await gateway.connect();
  });
  afterEach(() => sim.setFault(null));
  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
  });

  it('rejects a points file naming each bad entry', () => {
    const bad = {
      gateway: { id: 'g', protocol: 'bacnet', device: { address: '10.0.0.5', deviceInstance: 5 } },
      points: [
        {
          pointId: 'a',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'analog-input',
          objectInstance: 1,
        },
        {
          pointId: 'b',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'trend-log',
          objectInstance: 1,
        },
        setpoint('c', 'analog-input', 2, 'heating_setpoint', 'degC', 15, 25),
        {
          pointId: 'd',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'analog-input',
          objectInstance: 1,
        },
        {
          pointId: 'e',
          buildingId: building,
          role: 'sensor',
          unit: 'degC',
          objectType: 'analog-value',
          objectInstance: 3,
          property: 'presnt-value',
        },
      ],
    };
    let error: unknown;
    try {
      parseBacnetPointMap(bad, 'bad.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PointMapError);
    const problems = (error as PointMapError).problems.join('\n');
    expect(problems).toMatch(/gateway\.device\.address: .*host:port/);
    expect(problems).toMatch(/points\[1\]\.objectType/);
    expect(problems).toMatch(/points\[4\]\.property: not a BACnet property name/);
    expect((error as PointMapError).message).toContain('bad.json');
  });

  it('rejects a setpoint on an input and an object mapped twice, naming the entries', () => {
    const address = { address: '10.0.0.5:47808', deviceInstance: 5 };
    const run = () =>
      parseBacnetPointMap(
        {
          gateway: { id: 'g', protocol: 'bacnet', device: address },
          points: [
            {
              pointId: 'a',
              buildingId: building,
              role: 'sensor',
              unit: 'degC',
              objectType: 'analog-input',
              objectInstance: 1,
            },
            setpoint('c', 'analog-input', 2, 'heating_setpoint', 'degC', 15, 25),
            {
              pointId: 'd',
              buildingId: building,
              role: 'sensor',
              unit: 'degC',
              objectType: 'analog-input',
              objectInstance: 1,
            },
          ],
        },
        'twice.json',
      );
    expect(run).toThrow(/points\[1\]\.objectType: analog-input is not commandable/);
    expect(run).toThrow(/points\[2\]\.objectInstance: analog-input:1:present-value is mapped by points\[0\]/);
  });

  it('loads the example zone points file with its defaults', async () => {
    const map = await loadBacnetPointMap(
      fileURLToPath(new URL('../../sources/gateways/bacnet/examples/zone-points.json', import.meta.url)),
    );
    expect(map.gateway.mode).toBe('read-only');
    expect(map.gateway.useCov).toBe(true);
    expect(map.points.map((p) => p.objectType)).toEqual([
      'analog-value',
      'analog-value',
      'analog-input',
      'binary-output',
      'analog-output',
    ]);
    expect(map.points.every((p) => p.property === 'present-value')).toBe(true);
    // Its objects are the simulated zone's: every point reads.
    const onSim = createBacnetGateway({
      ...map,
      gateway: { ...map.gateway, localPort: 0, device: { address: sim.address, deviceInstance: DEVICE } },
    });
    await onSim.connect();
    try {
      const reads = await onSim.read(map.points.map((p) => p.pointId));
      expect(reads.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await onSim.close();
    }
  });

  it('writes a points file for the simulated zone that loads and reads in full', async () => {
    const map = parseBacnetPointMap(
      simulatedZonePointMap({
        deviceAddress: sim.address,
        deviceInstance: DEVICE,
        buildingId: building,
        mode: 'read-write',
      }),
      'simulated zone',
    );
    expect(map.points.filter((p) => p.role === 'setpoint')).toHaveLength(4);
    const onSim = createBacnetGateway(map);
    await onSim.connect();
    try {
      const reads = await onSim.read(map.points.map((p) => p.pointId));
      expect(reads.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await onSim.close();
    }
  });

  it('reads several points with one ReadPropertyMultiple, and a missing object as a failed read', async () => {
    const before = { ...sim.stats };
    const reads = await gateway.read(['hsp', 'csp', 'zt', 'light', 'dim', 'ghost']);
    expect(sim.stats.readPropertyMultiple - before.readPropertyMultiple).toBe(1);
    expect(sim.stats.readProperty - before.readProperty).toBe(0);
    expect(reads.map((r) => r.pointId)).toEqual(['hsp', 'csp', 'zt', 'light', 'dim', 'ghost']);
    expect(goodValue(reads[0])).toBe(20);
    expect(goodValue(reads[1])).toBe(24);
    expect(goodValue(reads[2])).toBeGreaterThan(21);
    expect(goodValue(reads[3])).toBe(0);
    expect(goodValue(reads[4])).toBe(80);
    expect(reads[5]).toMatchObject({
      ok: false,
      code: 'exception',
      message: expect.stringContaining('object/unknown-object'),
    });
  });

  it('holds the highest active priority and falls back as priorities are relinquished', async () => {
    await gateway.write('csp', 25, 8);
    expect(goodValue((await gateway.read(['csp']))[0])).toBe(25);
    await gateway.write('csp', 22.5, 5);
    expect(goodValue((await gateway.read(['csp']))[0])).toBe(22.5);
    expect(sim.priorityArray('analog-value', 2)[4]).toBe(22.5);
    expect(sim.priorityArray('analog-value', 2)[7]).toBe(25);

    await gateway.relinquish('csp', 5);
    expect(goodValue((await gateway.read(['csp']))[0])).toBe(25);
    await gateway.relinquish('csp', 8);
    expect(goodValue((await gateway.read(['csp']))[0])).toBe(24); // the relinquish default
    expect(sim.priorityArray('analog-value', 2).every((slot) => slot === null)).toBe(true);
  });

  it('reads back a REAL as written, not as its float32 expansion', async () => {
    await gateway.write('hsp', 21.1, 9);
    expect(goodValue((await gateway.read(['hsp']))[0])).toBe(21.1);
    await gateway.relinquish('hsp', 9);
  });

  it('writes a binary output on and off as ENUMERATED, and refuses other values', async () => {
    await gateway.write('light', 1, 8);
    expect(goodValue((await gateway.read(['light']))[0])).toBe(1);
    expect(sim.presentValue('binary-output', 1)).toBe(1);
    await expect(gateway.write('light', 2, 8)).rejects.toMatchObject({ code: 'not_writable' });
    await gateway.write('light', 0, 10);
    expect(sim.presentValue('binary-output', 1)).toBe(1); // priority 8 still holds it on
    await gateway.relinquish('light', 8);
    expect(goodValue((await gateway.read(['light']))[0])).toBe(0);
    await gateway.relinquish('light', 10);
  });

  it('refuses priorities 1-4, sensors and read-only gateways before anything is sent', async () => {
    const before = sim.stats.writeProperty;
    await expect(gateway.write('csp', 23, 3)).rejects.toMatchObject({
      code: 'not_writable',
      message: expect.stringMatching(/life safety/),
    });
    await expect(gateway.write('zt', 23, 8)).rejects.toBeInstanceOf(GatewayError);
    const readOnly = createBacnetGateway(zoneMap(sim.address, { mode: 'read-only' }));
    await readOnly.connect();
    try {
      await expect(readOnly.write('csp', 23, 8)).rejects.toMatchObject({
        code: 'not_writable',
        message: expect.stringMatching(/read-only/),
      });
      await expect(readOnly.relinquish('csp', 8)).rejects.toMatchObject({ code: 'not_writable' });
    } finally {
      await readOnly.close();
    }
    expect(sim.stats.writeProperty).toBe(before);
  });

  it('delivers a COV notification after a write through subscribe(), and cancels on unsubscribe', async () => {
    const seen: PointRead[] = [];
    const unsubscribe = await gateway.subscribe(['dim', 'zt'], (read) => seen.push(read));
    expect(
      sim
        .subscriptions()
        .map((s) => `${s.objectType}:${s.instance}`)
        .sort(),
    ).toEqual(['analog-input:1', 'analog-output:1']);
    expect(sim.subscriptions().every((s) => s.expiresAt !== null)).toBe(true); // a lifetime, renewed by the gateway
    await waitFor(
      'the initial notification',
      async () => (seen.some((r) => r.pointId === 'dim') ? true : undefined),
      { timeoutMs: 5000 },
    );

    await gateway.write('dim', 35, 8);
    const notified = await waitFor(
      'a notification of the new dimming level',
      async () => seen.find((r) => r.pointId === 'dim' && r.ok && r.value === 35),
      { timeoutMs: 5000 },
    );
    expect(notified).toMatchObject({ ok: true, value: 35 });

    await unsubscribe();
    expect(sim.subscriptions()).toEqual([]);
    const count = seen.length;
    await gateway.relinquish('dim', 8);
    // A cancelled subscription gets nothing more: a read (a round trip later than any notification) proves it.
    expect(goodValue((await gateway.read(['dim']))[0])).toBe(80);
    expect(seen.length).toBe(count);
  });

  it('reports a device error with its class and code: failed read `exception`, write GatewayError', async () => {
    sim.setFault({
      kind: 'error',
      errorClass: 'property',
      errorCode: 'write-access-denied',
      services: ['write'],
    });
    const failure = await gateway.write('hsp', 21, 8).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({
      code: 'exception',
      message: expect.stringContaining('property/write-access-denied'),
    });
    expect(gateway.health()).toMatchObject({ connected: true, consecutiveFailures: 1 });

    sim.setFault({
      kind: 'error',
      errorClass: 'object',
      errorCode: 'unknown-object',
      objects: [{ objectType: 'analog-input', instance: 1 }],
    });
    const reads = await gateway.read(['hsp', 'zt']);
    expect(goodValue(reads[0])).toBe(20);
    expect(reads[1]).toMatchObject({
      ok: false,
      code: 'exception',
      message: expect.stringContaining('object/unknown-object'),
    });
  });

  it('reports a silent device as `timeout` and the gateway as disconnected until it answers again', async () => {
    sim.setFault({ kind: 'silent' });
    const reads = await gateway.read(['hsp', 'light']);
    expect(reads).toEqual([
      expect.objectContaining({ pointId: 'hsp', ok: false, code: 'timeout' }),
      expect.objectContaining({ pointId: 'light', ok: false, code: 'timeout' }),
    ]);
    await expect(gateway.write('hsp', 21, 8)).rejects.toMatchObject({ code: 'timeout' });
    expect(gateway.health()).toMatchObject({ connected: false, consecutiveFailures: 2 });

    sim.setFault(null);
    expect(goodValue((await gateway.read(['hsp']))[0])).toBe(20);
    expect(gateway.health()).toMatchObject({ connected: true, consecutiveFailures: 0, lastError: null });
  });

  it('fails connect() with `timeout` when the device does not answer, and leaves no socket behind', async () => {
    sim.setFault({ kind: 'silent' });
    const unreachable = createBacnetGateway(zoneMap(sim.address, { timeoutMs: 200 }));
    await expect(unreachable.connect()).rejects.toMatchObject({ code: 'timeout' });
    expect((await unreachable.read(['hsp']))[0]).toMatchObject({ ok: false, code: 'disconnected' });
    await unreachable.close();
  });

  it('finds the device with Who-Is and drafts a valid read-only point map from its objects', async () => {
    const devices = await discoverDevices({
      localAddress: '127.0.0.1',
      localPort: 0,
      target: sim.address,
      windowMs: 300,
    });
    expect(devices).toEqual([expect.objectContaining({ deviceInstance: DEVICE, address: sim.address })]);

    const draft = await buildPointMap(devices[0] as (typeof devices)[number], {
      buildingId: building,
      localAddress: '127.0.0.1',
      localPort: 0,
    });
    const map = parseBacnetPointMap(draft.map, 'draft');
    expect(map.gateway).toMatchObject({
      mode: 'read-only',
      protocol: 'bacnet',
      device: { address: sim.address, deviceInstance: DEVICE },
    });
    expect(map.points.map((p) => [p.pointId, p.role, p.unit, p.objectType, p.objectInstance])).toEqual([
      [`bacnet-${DEVICE}-zone-heating-setpoint`, 'sensor', 'degC', 'analog-value', 1],
      [`bacnet-${DEVICE}-zone-cooling-setpoint`, 'sensor', 'degC', 'analog-value', 2],
      [`bacnet-${DEVICE}-zone-temperature`, 'sensor', 'degC', 'analog-input', 1],
      [`bacnet-${DEVICE}-zone-lighting`, 'sensor', 'boolean', 'binary-output', 1],
      [`bacnet-${DEVICE}-zone-lighting-level`, 'sensor', 'percent', 'analog-output', 1],
    ]);
    expect(draft.skipped).toEqual([]);
  });

  it('says how to discover when the local port is taken', async () => {
    await expect(
      discoverDevices({ localAddress: '127.0.0.1', localPort: sim.port, target: sim.address, windowMs: 100 }),
    ).rejects.toThrow(/cannot bind 127\.0\.0\.1:\d+ .*EADDRINUSE.*use localPort 0/);
  });

  it('finds nothing when the instance range excludes the device', async () => {
    const devices = await discoverDevices({
      localAddress: '127.0.0.1',
      localPort: 0,
      target: sim.address,
      windowMs: 200,
      lowLimit: 1,
      highLimit: 10,
    });
    expect(devices).toEqual([]);
  });
});

describe('a device without ReadPropertyMultiple, and the zone plant', () => {
  it('falls back to one ReadProperty per point and remembers it', async () => {
    const sim = await startSimulatedBacnetDevice({
      deviceInstance: DEVICE,
      objects: simulatedZoneObjects(),
      supportsReadPropertyMultiple: false,
    });
    const gateway = createBacnetGateway(zoneMap(sim.address));
    try {
      await gateway.connect();
      const first = await gateway.read(['hsp', 'csp', 'light']);
      expect(first.map(goodValue)).toEqual([20, 24, 0]);
      const rpm = sim.stats.readPropertyMultiple;
      const rp = sim.stats.readProperty;
      expect(rpm).toBe(1);
      await gateway.read(['hsp', 'csp', 'light']);
      expect(sim.stats.readPropertyMultiple).toBe(rpm);
      expect(sim.stats.readProperty - rp).toBe(3);
    } finally {
      await gateway.close();
      await sim.close();
    }
  });

  it('notifies a COV subscriber when the zone temperature moves by itself', async () => {
    let clock = 1_000_000;
    const sim = await startSimulatedBacnetDevice({
      deviceInstance: DEVICE,
      objects: simulatedZoneObjects({ initialTemperature: 22 }),
      now: () => clock,
      covCheckMs: 50,
    });
    const gateway = createBacnetGateway(zoneMap(sim.address));
    const seen: PointRead[] = [];
    try {
      await gateway.connect();
      const unsubscribe = await gateway.subscribe(['zt'], (read) => seen.push(read));
      clock += 900_000;
      const moved = await waitFor(
        'a notification of the warmer zone',
        async () => seen.find((r) => r.ok && r.value > 23),
        {
          timeoutMs: 5000,
        },
      );
      expect(goodValue(moved)).toBeCloseTo(24 - 2 * Math.exp(-1), 4);
      await unsubscribe();
    } finally {
      await gateway.close();
      await sim.close();
    }
  });

  it('renews a COV subscription before its lifetime ends', async () => {
    const sim = await startSimulatedBacnetDevice({ deviceInstance: DEVICE, objects: simulatedZoneObjects() });
    const gateway = createBacnetGateway(zoneMap(sim.address, { covLifetimeSeconds: 10 }));
    try {
      await gateway.connect();
      const unsubscribe = await gateway.subscribe(['hsp'], () => undefined);
      const [first] = sim.subscriptions();
      expect(first?.expiresAt).toBeGreaterThan(Date.now() + 9000);
      // The gateway renews at 80 % of the lifetime: the device sees a second SubscribeCOV, ~8 s later.
      const firstExpiry = first?.expiresAt ?? 0;
      const renewed = await waitFor(
        'the renewal',
        async () => sim.subscriptions().find((sub) => (sub.expiresAt ?? 0) > firstExpiry),
        { timeoutMs: 9500, intervalMs: 200 },
      );
      expect(renewed.expiresAt).toBeGreaterThan(firstExpiry + 7000);
      expect(sim.stats.subscribeCov).toBe(2);
      expect(sim.subscriptions()).toHaveLength(1); // renewed in place, not a second subscription
      await unsubscribe();
      expect(sim.subscriptions()).toEqual([]);
    } finally {
      await gateway.close();
      await sim.close();
    }
  });

  it('moves the zone temperature toward the active setpoint as a first-order lag of elapsed time', async () => {
    let clock = 1_000_000;
    const sim = await startSimulatedBacnetDevice({
      deviceInstance: DEVICE,
      objects: simulatedZoneObjects({
        initialTemperature: 22,
        freeFloatTemperature: 27,
        timeConstantSeconds: 900,
      }),
      now: () => clock,
    });
    const gateway = createBacnetGateway(zoneMap(sim.address));
    try {
      await gateway.connect();
      clock += 900_000; // one time constant; a warm zone is held by the cooling setpoint (24)
      expect(goodValue((await gateway.read(['zt']))[0])).toBeCloseTo(24 - 2 * Math.exp(-1), 4);
      await gateway.write('csp', 23, 8);
      const at = goodValue((await gateway.read(['zt']))[0]);
      clock += 900_000;
      expect(goodValue((await gateway.read(['zt']))[0])).toBeCloseTo(23 + (at - 23) * Math.exp(-1), 4);
    } finally {
      await gateway.close();
      await sim.close();
    }
  });
});
