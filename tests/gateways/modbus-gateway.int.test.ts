import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createModbusGateway,
  GatewayError,
  loadExamplePlantPointMap,
  type ModbusGateway,
  type ModbusPointMap,
  PointMapError,
  type PointRead,
  parseModbusPointMap,
  plantAddresses,
  type SimulatedModbusPlant,
  startSimulatedModbusPlant,
} from '../../sources/gateways/index.ts';
import { loadModbusPointMap } from '../../sources/gateways/modbus/index.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'Office_Elizabeth';
const zone0 = plantAddresses(0);
const zone1 = plantAddresses(1);

/** A point map for `plant` with the given points (gateway defaults otherwise). */
function mapFor(
  plant: SimulatedModbusPlant,
  points: readonly object[],
  gateway: object = {},
): ModbusPointMap {
  return parseModbusPointMap({
    gateway: {
      id: 'modbus-gw:test',
      protocol: 'modbus',
      mode: 'read-write',
      host: plant.host,
      port: plant.port,
      timeoutMs: 300,
      reconnect: { initialMs: 50, maxMs: 200 },
      ...gateway,
    },
    points: points.map((p) => ({ buildingId: BUILDING, ...p })),
  });
}

const sensor = (pointId: string, fields: object) => ({ pointId, role: 'sensor', unit: 'degC', ...fields });
const setpoint = (pointId: string, fields: object) => ({
  pointId,
  role: 'setpoint',
  pointKind: 'cooling_setpoint',
  unit: 'degC',
  minValue: 15,
  maxValue: 30,
  table: 'holding',
  type: 'float32',
  ...fields,
});

function values(reads: readonly PointRead[]): Record<string, number | string> {
  return Object.fromEntries(reads.map((r) => [r.pointId, r.ok ? r.value : r.code]));
}

describe('Modbus point map', () => {
  it('names every bad entry', () => {
    const raw = {
      gateway: { id: 'modbus-gw:x', protocol: 'modbus', host: '127.0.0.1' },
      points: [
        sensor('ok', { buildingId: BUILDING, table: 'input', address: 0, type: 'float32' }),
        sensor('coil-float', { buildingId: BUILDING, table: 'coil', address: 1, type: 'float32' }),
        setpoint('sp-on-input', { buildingId: BUILDING, table: 'input', address: 2 }),
        sensor('bool-register', { buildingId: BUILDING, table: 'holding', address: 3, type: 'bool' }),
        sensor('too-far', { buildingId: BUILDING, table: 'holding', address: 65_535, type: 'uint32' }),
      ],
    };
    let error: unknown;
    try {
      parseModbusPointMap(raw, 'plant.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PointMapError);
    const problems = (error as PointMapError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^points\[1\]\.type: a coil holds one bit/),
      expect.stringMatching(/^points\[2\]\.table: a setpoint must be writable/),
      expect.stringMatching(/^points\[3\]\.type: bool is for coils/),
      expect.stringMatching(/^points\[4\]\.address: a uint32 spans two registers/),
    ]);
    expect((error as Error).message).toContain('plant.json');
  });

  it('names field errors: address range, unknown table, zero scale', () => {
    const raw = {
      gateway: { id: 'modbus-gw:x', protocol: 'modbus', host: '127.0.0.1', port: 70_000 },
      points: [
        sensor('a', { buildingId: BUILDING, table: 'holding', address: 70_000, type: 'int16' }),
        sensor('b', { buildingId: BUILDING, table: 'register', address: 1, type: 'int16' }),
        sensor('c', { buildingId: BUILDING, table: 'holding', address: 1, type: 'int16', scale: 0 }),
      ],
    };
    expect(() => parseModbusPointMap(raw)).toThrow(PointMapError);
    try {
      parseModbusPointMap(raw);
    } catch (e) {
      const text = (e as PointMapError).problems.join('\n');
      expect(text).toMatch(/gateway\.port/);
      expect(text).toMatch(/points\[0\]\.address/);
      expect(text).toMatch(/points\[1\]\.table/);
      expect(text).toMatch(/points\[2\]\.scale: scale must not be 0/);
    }
  });

  it('the example points file is valid and read-write', async () => {
    const map = await loadModbusPointMap('sources/gateways/modbus/examples/plant-points.json');
    expect(map.gateway.mode).toBe('read-write');
    expect(new Set(map.points.map((p) => p.role))).toEqual(new Set(['setpoint', 'sensor', 'meter']));
  });
});

describe('Modbus gateway against the simulated plant', () => {
  let clock = Date.parse('2026-01-05T08:00:00Z');
  let plant: SimulatedModbusPlant;
  let gateway: ModbusGateway | undefined;

  beforeEach(async () => {
    clock = Date.parse('2026-01-05T08:00:00Z');
    plant = await startSimulatedModbusPlant({
      zones: [{ temperature: 26, coolingSetpoint: 24, heatingSetpoint: 20 }, {}],
      now: () => clock,
    });
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await plant.close();
  });

  async function connected(points: readonly object[], gatewayFields: object = {}): Promise<ModbusGateway> {
    gateway = createModbusGateway(mapFor(plant, points, gatewayFields));
    await gateway.connect();
    return gateway;
  }

  it('groups nearby points of one unit and table into one request', async () => {
    const gw = await connected([
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
      sensor('heat0', { table: 'holding', address: zone0.heatingSetpoint, type: 'float32' }),
      sensor('dim0', { table: 'holding', address: zone0.dimming, type: 'uint16', unit: 'percent' }),
      // 16 registers past dim0: beyond the default gap of 8, a second request.
      sensor('cool1', { table: 'holding', address: zone1.coolingSetpoint, type: 'float32' }),
      sensor('temp0', { table: 'input', address: zone0.temperature, type: 'float32' }),
      sensor('light0', { table: 'coil', address: zone0.lighting, type: 'bool', unit: 'boolean' }),
      sensor('light1', { table: 'coil', address: zone1.lighting, type: 'bool', unit: 'boolean' }),
      // Another unit on the same connection: its own request.
      sensor('heat0-unit2', { table: 'holding', address: zone0.heatingSetpoint, type: 'float32', unitId: 2 }),
    ]);
    plant.clearRequests();
    const reads = await gw.read([
      'cool0',
      'heat0',
      'dim0',
      'cool1',
      'temp0',
      'light0',
      'light1',
      'heat0-unit2',
    ]);
    expect(values(reads)).toEqual({
      cool0: 24,
      heat0: 20,
      dim0: 100,
      cool1: 24,
      temp0: 26,
      light0: 0,
      light1: 0,
      'heat0-unit2': 20,
    });
    const requests = plant.requests.map((r) => `${r.unitId}/fc${r.functionCode}@${r.address}+${r.quantity}`);
    expect(requests.sort()).toEqual(
      ['1/fc3@100+5', '1/fc3@120+2', '1/fc4@100+2', '1/fc1@100+2', '2/fc3@102+2'].sort(),
    );
  });

  it('never reads more than 125 registers in one request', async () => {
    const points = Array.from({ length: 80 }, (_, i) =>
      sensor(`r${i}`, { table: 'holding', address: 1_000 + 2 * i, type: 'uint32' }),
    );
    const gw = await connected(points);
    plant.clearRequests();
    const reads = await gw.read(points.map((p) => p.pointId));
    expect(reads.every((r) => r.ok)).toBe(true);
    expect(plant.requests.map((r) => r.quantity)).toEqual([124, 36]);
  });

  it('decodes each type in each byte and word order, with scale and offset', async () => {
    // 0x12345678 big/big; 0xC1480000 is -12.5 as float32.
    plant.setRegisters('holding', 2_000, [0xfffe]); // int16 -2
    plant.setRegisters('holding', 2_001, [0xfffe]); // uint16 65534
    plant.setRegisters('holding', 2_002, [0x1234, 0x5678]); // big/big
    plant.setRegisters('holding', 2_004, [0x5678, 0x1234]); // word little
    plant.setRegisters('holding', 2_006, [0x3412, 0x7856]); // byte little
    plant.setRegisters('holding', 2_008, [0x7856, 0x3412]); // both little
    plant.setRegisters('holding', 2_010, [0xffff, 0xfffb]); // int32 -5
    plant.setRegisters('holding', 2_012, [0x0000, 0xc148]); // float32 -12.5 word little
    plant.setRegisters('holding', 2_014, [0x48c1, 0x0000]); // float32 -12.5 byte little
    plant.setRegisters('holding', 2_016, [0x00fa]); // 250 * 0.1 - 40 = -15
    plant.setRegisters('holding', 2_017, [0x7fc0, 0x0000]); // NaN: decode error
    const p = (id: string, address: number, type: string, extra: object = {}) =>
      sensor(id, { table: 'holding', address, type, ...extra });
    const gw = await connected([
      p('i16', 2_000, 'int16'),
      p('u16', 2_001, 'uint16'),
      p('u32bb', 2_002, 'uint32'),
      p('u32wl', 2_004, 'uint32', { wordOrder: 'little' }),
      p('u32bl', 2_006, 'uint32', { byteOrder: 'little' }),
      p('u32ll', 2_008, 'uint32', { byteOrder: 'little', wordOrder: 'little' }),
      p('i32', 2_010, 'int32'),
      p('f32wl', 2_012, 'float32', { wordOrder: 'little' }),
      p('f32bl', 2_014, 'float32', { byteOrder: 'little' }),
      p('scaled', 2_016, 'uint16', { scale: 0.1, offset: -40 }),
      p('nan', 2_017, 'float32'),
    ]);
    plant.clearRequests();
    const reads = await gw.read([
      'i16',
      'u16',
      'u32bb',
      'u32wl',
      'u32bl',
      'u32ll',
      'i32',
      'f32wl',
      'f32bl',
      'scaled',
      'nan',
    ]);
    const v = values(reads);
    expect(v).toMatchObject({
      i16: -2,
      u16: 65_534,
      u32bb: 0x12345678,
      u32wl: 0x12345678,
      u32bl: 0x12345678,
      u32ll: 0x12345678,
      i32: -5,
      f32wl: -12.5,
      f32bl: -12.5,
      nan: 'decode',
    });
    expect(v.scaled).toBeCloseTo(-15, 9);
    expect(plant.requests).toHaveLength(1);
  });

  it('writes encode with the inverse scale, offset and orders', async () => {
    const gw = await connected([
      setpoint('sp-le', {
        address: 3_000,
        byteOrder: 'little',
        wordOrder: 'little',
        minValue: -40,
        maxValue: 60,
      }),
      setpoint('sp-scaled', {
        address: 3_010,
        type: 'int16',
        scale: 0.1,
        offset: -40,
        minValue: -40,
        maxValue: 60,
      }),
    ]);
    await gw.write('sp-le', -12.5, 8);
    expect(plant.getRegisters('holding', 3_000, 2)).toEqual([0x0000, 0x48c1]);
    await gw.write('sp-scaled', 21.5, 8);
    expect(plant.getRegisters('holding', 3_010, 1)).toEqual([615]);
    expect(values(await gw.read(['sp-le', 'sp-scaled']))).toEqual({ 'sp-le': -12.5, 'sp-scaled': 21.5 });
  });

  it('an exception response fails only the points it covers, with its code and name', async () => {
    plant.failRange('holding', zone0.heatingSetpoint, zone0.heatingSetpoint + 1);
    const gw = await connected([
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
      sensor('heat0', { table: 'holding', address: zone0.heatingSetpoint, type: 'float32' }),
      sensor('dim0', { table: 'holding', address: zone0.dimming, type: 'uint16', unit: 'percent' }),
    ]);
    const reads = await gw.read(['cool0', 'heat0', 'dim0']);
    expect(values(reads)).toEqual({ cool0: 24, heat0: 'exception', dim0: 100 });
    const heat = reads.find((r) => r.pointId === 'heat0');
    expect(heat?.ok === false && heat.message).toMatch(/Modbus exception 2 \(illegal data address\)/);
    // The device answered: the connection stays up.
    expect(gw.health().connected).toBe(true);
    plant.failRange('holding', 0, 65_535, 4);
    const [failed] = await gw.read(['cool0']);
    expect(failed?.ok === false && failed.message).toMatch(/Modbus exception 4 \(server device failure\)/);
  });

  it('a silent device times out, the gateway reconnects with back-off, and reads recover', async () => {
    const gw = await connected([
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
    ]);
    expect(values(await gw.read(['cool0']))).toEqual({ cool0: 24 });
    plant.silence();
    const started = performance.now();
    expect(values(await gw.read(['cool0']))).toEqual({ cool0: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(gw.health()).toMatchObject({ connected: false, consecutiveFailures: 1 });
    expect(gw.health().lastError).toMatch(/no answer in time/);
    // Until the reconnection, calls fail at once rather than queue.
    const [meanwhile] = await gw.read(['cool0']);
    expect(meanwhile?.ok === false && meanwhile.code).toMatch(/^(disconnected|timeout)$/);
    plant.resume();
    await waitFor(
      'a good read after reconnecting',
      async () => {
        const [read] = await gw.read(['cool0']);
        return read?.ok ? read : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(gw.health()).toMatchObject({ connected: true, consecutiveFailures: 0, lastError: null });
    expect(plant.connectionCount).toBeGreaterThanOrEqual(2);
    expect(gw.health().lastSuccessAt).toBeInstanceOf(Date);
  });

  it('a closed device reads as disconnected, connect() rejects typed', async () => {
    const gw = await connected([
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
    ]);
    plant.silence();
    const inFlight = gw.read(['cool0']);
    await plant.close();
    // The request in flight fails when the socket closes, before its 300 ms timeout.
    expect(values(await inFlight)).toEqual({ cool0: 'disconnected' });
    await waitFor('the gateway to see the connection drop', async () =>
      gw.health().connected ? undefined : true,
    );
    expect(values(await gw.read(['cool0']))).toEqual({ cool0: 'disconnected' });
    await expect(gw.write('cool0', 1, 8)).rejects.toBeInstanceOf(GatewayError);
    const other = createModbusGateway(
      mapFor(plant, [sensor('x', { table: 'holding', address: 0, type: 'int16' })]),
    );
    await expect(other.connect()).rejects.toMatchObject({ name: 'GatewayError', code: 'disconnected' });
    await other.close();
    plant = await startSimulatedModbusPlant({ zones: 1 }); // for afterEach
  });

  it('reconnects with exponential back-off until the device is back', async () => {
    const map = mapFor(plant, [
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
    ]);
    const { port } = plant;
    await plant.close();
    const gw = createModbusGateway(map);
    gateway = gw;
    const started = performance.now();
    await expect(gw.connect()).rejects.toMatchObject({ code: 'disconnected' });
    // The first attempt, then retries after 50, 100 and 200 ms (maxMs): not before 350 ms.
    await waitFor(
      'four failed attempts',
      async () => (gw.health().consecutiveFailures >= 4 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 10,
      },
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(340);
    expect(gw.health()).toMatchObject({ connected: false, lastSuccessAt: null });
    plant = await startSimulatedModbusPlant({ port, zones: 1 });
    await waitFor('the reconnection', async () => (gw.health().connected ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(values(await gw.read(['cool0']))).toEqual({ cool0: 24 });
  });

  it('emulates a priority array: the lowest-numbered active priority holds the register', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint, relinquishDefault: 24 }),
    ]);
    const register = async () => values(await gw.read(['cool0'])).cool0;
    await gw.write('cool0', 26, 8);
    expect(await register()).toBe(26);
    await gw.write('cool0', 23, 5);
    expect(await register()).toBe(23);
    // A lower priority does not displace a higher one.
    await gw.write('cool0', 27, 10);
    expect(await register()).toBe(23);
    expect(gw.priorityArray('cool0').active).toEqual({ priority: 5, value: 23 });
    expect(await gw.relinquishWithResult('cool0', 5)).toEqual({
      kind: 'next_priority',
      priority: 8,
      value: 26,
    });
    expect(await register()).toBe(26);
    await gw.relinquish('cool0', 8);
    expect(await register()).toBe(27);
    expect(await gw.relinquishWithResult('cool0', 10)).toEqual({ kind: 'relinquish_default', value: 24 });
    expect(await register()).toBe(24);
    expect(gw.priorityArray('cool0').slots.every((s) => s === null)).toBe(true);
  });

  it('two commands at priorities 8 and 5: 5 wins, relinquishing it falls back to 8, then to relinquishDefault', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint, relinquishDefault: 24 }),
    ]);
    await gw.write('cool0', 26, 8);
    await gw.write('cool0', 22, 5);
    expect(plant.zone(0).coolingSetpoint).toBe(22);
    await gw.relinquish('cool0', 5);
    expect(plant.zone(0).coolingSetpoint).toBe(26);
    await gw.relinquish('cool0', 8);
    expect(plant.zone(0).coolingSetpoint).toBe(24);
  });

  it('after a reconnection the active commands are written again', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint, relinquishDefault: 24 }),
    ]);
    await gw.write('cool0', 26, 8);
    const { port } = plant;
    await plant.close();
    // The device restarts with its own setpoint.
    plant = await startSimulatedModbusPlant({ port, zones: [{ coolingSetpoint: 24 }] });
    await waitFor(
      'the commanded value back on the device',
      async () => (plant.zone(0).coolingSetpoint === 26 ? true : undefined),
      { timeoutMs: 10_000 },
    );
    expect(plant.requests.filter((r) => r.functionCode === 16)).toHaveLength(1);
  });

  it('without a relinquishDefault the last relinquish leaves the register and says so', async () => {
    const gw = await connected([
      setpoint('heat0', { pointKind: 'heating_setpoint', address: zone0.heatingSetpoint }),
    ]);
    await gw.write('heat0', 21, 8);
    plant.clearRequests();
    expect(await gw.relinquishWithResult('heat0', 8)).toEqual({ kind: 'unchanged' });
    expect(plant.requests).toHaveLength(0);
    expect(values(await gw.read(['heat0']))).toEqual({ heat0: 21 });
  });

  it('a failed device write leaves the priority array as it was', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint, relinquishDefault: 24 }),
    ]);
    await gw.write('cool0', 26, 8);
    plant.failRange('holding', zone0.coolingSetpoint, zone0.coolingSetpoint);
    await expect(gw.write('cool0', 22, 3)).rejects.toMatchObject({ code: 'exception' });
    expect(gw.priorityArray('cool0').active).toEqual({ priority: 8, value: 26 });
  });

  it('failWrites answers writes with an exception while reads of the same points still succeed', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint, relinquishDefault: 24 }),
      setpoint('dim0', {
        pointKind: 'lighting_level',
        unit: 'percent',
        minValue: 0,
        maxValue: 100,
        address: zone0.dimming,
        type: 'uint16',
      }),
      setpoint('light0', {
        pointKind: 'lighting_level',
        unit: 'boolean',
        minValue: 0,
        maxValue: 1,
        table: 'coil',
        address: zone0.lighting,
        type: 'bool',
      }),
      setpoint('cool1', { address: zone1.coolingSetpoint }),
    ]);
    plant.failWrites('holding', zone0.coolingSetpoint, zone0.dimming);
    plant.failWrites('coil', zone0.lighting, zone0.lighting, 3);
    plant.clearRequests();
    // FC16 (float32), FC6 (uint16) and FC5 (coil) all refused, each with its exception.
    await expect(gw.write('cool0', 22, 8)).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'exception',
      message: /Modbus exception 4 \(server device failure\)/,
    });
    await expect(gw.write('dim0', 40, 8)).rejects.toMatchObject({ code: 'exception' });
    await expect(gw.write('light0', 1, 8)).rejects.toMatchObject({
      code: 'exception',
      message: /Modbus exception 3 \(illegal data value\)/,
    });
    expect(plant.requests.map((r) => r.functionCode)).toEqual([16, 6, 5]);
    // Nothing changed on the device, and reads of the failing range still answer.
    expect(values(await gw.read(['cool0', 'dim0', 'light0']))).toEqual({ cool0: 24, dim0: 100, light0: 0 });
    expect(gw.health().connected).toBe(true);
    // Outside the range writes land; after clearFailures the refused ones do too.
    await gw.write('cool1', 22, 8);
    expect(plant.zone(1).coolingSetpoint).toBe(22);
    plant.clearFailures();
    await gw.write('cool0', 22, 8);
    expect(plant.zone(0).coolingSetpoint).toBe(22);
  });

  it('refuses writes to read-only points, unknown points, read-only gateways and bad priorities', async () => {
    const points = [
      sensor('temp0', { table: 'input', address: zone0.temperature, type: 'float32' }),
      setpoint('cool0', { address: zone0.coolingSetpoint }),
    ];
    const gw = await connected(points);
    plant.clearRequests();
    await expect(gw.write('temp0', 20, 8)).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'not_writable',
    });
    await expect(gw.write('nope', 20, 8)).rejects.toMatchObject({ code: 'not_writable' });
    await expect(gw.relinquish('temp0', 8)).rejects.toMatchObject({ code: 'not_writable' });
    await expect(gw.write('cool0', 20, 0)).rejects.toBeInstanceOf(RangeError);
    await expect(gw.write('cool0', 20, 17)).rejects.toBeInstanceOf(RangeError);
    await expect(gw.write('cool0', 31, 8)).rejects.toMatchObject({
      code: 'not_writable',
      message: /outside its limits/,
    });
    await expect(gw.write('cool0', Number.NaN, 8)).rejects.toMatchObject({ code: 'not_writable' });
    const readOnly = createModbusGateway(mapFor(plant, points, { mode: 'read-only' }));
    await readOnly.connect();
    await expect(readOnly.write('cool0', 20, 8)).rejects.toMatchObject({ code: 'not_writable' });
    await readOnly.close();
    expect(plant.requests.filter((r) => [5, 6, 15, 16].includes(r.functionCode))).toHaveLength(0);
  });

  it('the zone temperature follows the active setpoint over simulated time', async () => {
    const gw = await connected([
      setpoint('cool0', { address: zone0.coolingSetpoint }),
      setpoint('heat0', { pointKind: 'heating_setpoint', address: zone0.heatingSetpoint }),
      sensor('temp0', { table: 'input', address: zone0.temperature, type: 'float32' }),
      setpoint('light0', {
        pointKind: 'lighting_level',
        unit: 'boolean',
        minValue: 0,
        maxValue: 1,
        table: 'coil',
        address: zone0.lighting,
        type: 'bool',
      }),
      setpoint('dim0', {
        pointKind: 'lighting_level',
        unit: 'percent',
        minValue: 0,
        maxValue: 100,
        address: zone0.dimming,
        type: 'uint16',
      }),
      {
        pointId: 'meter0',
        role: 'meter',
        meterKind: 'electricity',
        unit: 'kWh',
        table: 'input',
        address: zone0.energy,
        type: 'uint32',
        scale: 0.01,
      },
    ]);
    const read = async (id: string) => values(await gw.read([id]))[id] as number;
    expect(await read('temp0')).toBe(26);
    const meterBefore = await read('meter0');
    // 26 degC above a 24 degC cooling setpoint: one time constant (900 s) closes 63 % of the gap.
    clock += 900_000;
    expect(await read('temp0')).toBeCloseTo(24 + 2 * Math.exp(-1), 5);
    await gw.write('cool0', 22, 8);
    clock += 3 * 3_600_000;
    expect(await read('temp0')).toBeCloseTo(22, 2);
    // Raise the heating setpoint above the zone: it warms toward it.
    await gw.write('heat0', 23, 8);
    await gw.write('cool0', 25, 8);
    clock += 900_000;
    const warming = await read('temp0');
    expect(warming).toBeGreaterThan(22.5);
    expect(warming).toBeLessThan(23);
    // 2 kW base load (lights off) over 3.5 h.
    expect((await read('meter0')) - meterBefore).toBeCloseTo(7, 1);
    // Lights on at 50 %: 0.5 kW more for one hour.
    await gw.write('light0', 1, 8);
    await gw.write('dim0', 50, 8);
    const lit = await read('meter0');
    clock += 3_600_000;
    expect((await read('meter0')) - lit).toBeCloseTo(2.5, 1);
  });

  it('switches lighting on and off through a coil and dims through a register', async () => {
    const gw = await connected([
      setpoint('light0', {
        pointKind: 'lighting_level',
        unit: 'boolean',
        minValue: 0,
        maxValue: 1,
        table: 'coil',
        address: zone0.lighting,
        type: 'bool',
        relinquishDefault: 0,
      }),
      setpoint('dim0', {
        pointKind: 'lighting_level',
        unit: 'percent',
        minValue: 0,
        maxValue: 100,
        address: zone0.dimming,
        type: 'uint16',
      }),
    ]);
    await gw.write('light0', 1, 8);
    expect(plant.zone(0).lightingOn).toBe(true);
    await gw.write('dim0', 40, 8);
    expect(plant.zone(0).dimmingPercent).toBe(40);
    expect(values(await gw.read(['light0', 'dim0']))).toEqual({ light0: 1, dim0: 40 });
    await expect(gw.write('light0', 0.5, 7)).rejects.toMatchObject({ code: 'decode' });
    await gw.relinquish('light0', 8);
    expect(plant.zone(0).lightingOn).toBe(false);
    expect(values(await gw.read(['light0']))).toEqual({ light0: 0 });
  });

  it('serialises concurrent calls on one connection', async () => {
    const gw = createModbusGateway(
      mapFor(plant, [
        setpoint('cool0', { address: zone0.coolingSetpoint }),
        setpoint('cool1', { address: zone1.coolingSetpoint }),
      ]),
    );
    gateway = gw;
    await Promise.all([gw.connect(), gw.connect(), gw.connect()]);
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? gw.write(i % 4 === 0 ? 'cool0' : 'cool1', 20 + (i % 7), 1 + (i % 16))
        : gw.read(['cool0', 'cool1']),
    );
    const results = await Promise.all(calls);
    expect(
      results
        .filter(Array.isArray)
        .flat()
        .every((r) => (r as PointRead).ok),
    ).toBe(true);
    expect(plant.connectionCount).toBe(1);
    for (const id of ['cool0', 'cool1']) {
      const active = gw.priorityArray(id).active;
      expect(values(await gw.read([id]))[id]).toBe(active?.value);
    }
  });

  it('the example points file reads the plant: setpoints, temperature, lighting and the meter', async () => {
    const map = await loadExamplePlantPointMap(plant);
    gateway = createModbusGateway(map);
    await gateway.connect();
    plant.clearRequests();
    const reads = await gateway.read(map.points.map((p) => p.pointId));
    expect(values(reads)).toEqual({
      'Office_Elizabeth/zone-1/cooling-setpoint': 24,
      'Office_Elizabeth/zone-1/heating-setpoint': 20,
      'Office_Elizabeth/zone-1/lighting': 0,
      'Office_Elizabeth/zone-1/dimming': 100,
      'Office_Elizabeth/zone-1/temperature': 26,
      'Office_Elizabeth/zone-1/electricity': 1_000,
    });
    // Holding 100-104, input 100-103, coil 100.
    expect(plant.requests).toHaveLength(3);
  });

  it('subscribe is a no-op: Modbus is polled', async () => {
    const gw = await connected([
      sensor('cool0', { table: 'holding', address: zone0.coolingSetpoint, type: 'float32' }),
    ]);
    const seen: PointRead[] = [];
    const unsubscribe = await gw.subscribe(['cool0'], (r) => seen.push(r));
    // The value changes on the device (0x41d00000 = 26.0): only a read sees it.
    plant.setRegisters('holding', zone0.coolingSetpoint, [0x41d0, 0x0000]);
    expect(values(await gw.read(['cool0']))).toEqual({ cool0: 26 });
    await unsubscribe();
    expect(seen).toEqual([]);
  });
});
