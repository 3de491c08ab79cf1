import net from 'node:net';
import ModbusSerial from 'modbus-serial';
import type { ModbusTable } from './point-map.ts';

/**
 * A small building on loopback for tests and demos, served by modbus-serial's ServerTCP: per zone a
 * cooling and a heating setpoint, a zone temperature that follows them, lighting on/off and
 * dimming, and an energy meter. Registers are big-endian (byte and word order), float32 for
 * temperatures. The temperature and the meter are computed from the injected clock each time they
 * are read (or their inputs change), so a test moves simulated time instead of sleeping.
 */

/** Where zone `zone` (0-based) keeps its points. */
export function plantAddresses(zone: number) {
  const base = 100 + 20 * zone;
  return {
    /** holding, float32 degC */
    coolingSetpoint: base,
    /** holding, float32 degC */
    heatingSetpoint: base + 2,
    /** holding, uint16 percent */
    dimming: base + 4,
    /** input, float32 degC */
    temperature: base,
    /** input, uint32 counting hundredths of a kWh (a point reads it with scale 0.01) */
    energy: base + 2,
    /** coil, lighting on/off */
    lighting: 100 + zone,
  } as const;
}

export interface SimulatedZoneOptions {
  readonly temperature?: number;
  readonly coolingSetpoint?: number;
  readonly heatingSetpoint?: number;
  readonly lightingOn?: boolean;
  readonly dimmingPercent?: number;
  readonly energyKwh?: number;
}

export interface SimulatedPlantOptions {
  /** 0 (the default): a free ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** How many zones, or each zone's starting state. Default 1. */
  readonly zones?: number | readonly SimulatedZoneOptions[];
  /** Clock in epoch ms (default Date.now): tests pass a variable one. */
  readonly now?: () => number;
  /** Time constant of the zone temperature's first-order lag, in seconds (default 900). */
  readonly timeConstantSeconds?: number;
  /** Constant load of each zone's meter, kW (default 2). */
  readonly baseLoadKw?: number;
  /** Lighting load of a zone at 100 % dimming, kW (default 1). */
  readonly lightingKw?: number;
}

/** One request as it arrived, for tests that count or inspect them. */
export interface PlantRequest {
  readonly unitId: number;
  readonly functionCode: number;
  readonly address: number;
  /** Registers or bits asked for or written (1 for FC5/FC6). */
  readonly quantity: number;
}

/** A zone's state at the plant's current time. */
export interface ZoneState {
  readonly temperature: number;
  readonly coolingSetpoint: number;
  readonly heatingSetpoint: number;
  readonly lightingOn: boolean;
  readonly dimmingPercent: number;
  readonly energyKwh: number;
}

export interface SimulatedModbusPlant {
  readonly host: string;
  readonly port: number;
  readonly zoneCount: number;
  /** Raw memory (address -> 16-bit word or bit); unset addresses read 0. */
  readonly memory: {
    readonly holding: Map<number, number>;
    readonly input: Map<number, number>;
    readonly coil: Map<number, boolean>;
    readonly discrete: Map<number, boolean>;
  };
  /** Writes raw 16-bit words to a register table from `address` on. */
  setRegisters(table: 'holding' | 'input', address: number, words: readonly number[]): void;
  getRegisters(table: 'holding' | 'input', address: number, count: number): number[];
  setBit(table: 'coil' | 'discrete', address: number, on: boolean): void;
  zone(index: number): ZoneState;
  /** TCP connections accepted since start. */
  readonly connectionCount: number;
  /** Requests received since start or the last clearRequests(). */
  readonly requests: readonly PlantRequest[];
  clearRequests(): void;
  /** Answers every request touching [from, to] of `table` with Modbus exception `code` (default 2, illegal data address). */
  failRange(table: ModbusTable, from: number, to: number, code?: number): void;
  /**
   * Answers only writes (FC5/6/15/16) touching [from, to] of `table` with exception `code` (default 4,
   * server device failure) while reads of it still succeed: a device that refuses a command, not one
   * whose point is unreadable.
   */
  failWrites(table: 'holding' | 'coil', from: number, to: number, code?: number): void;
  /** Clears failRange and failWrites. */
  clearFailures(): void;
  /** Stops answering (requests are read and dropped) until resume(): a device that went quiet. */
  silence(): void;
  resume(): void;
  close(): Promise<void>;
}

interface ZoneModel {
  temperature: number;
  temperatureAt: number;
  energyKwh: number;
  energyAt: number;
}

type Callback<T> = (err: Error | null, value: T) => void;

/** What ServerTCP turns into an exception response: an error carrying `modbusErrorCode`. */
class SimulatedException extends Error {
  constructor(readonly modbusErrorCode: number) {
    super(`simulated Modbus exception ${modbusErrorCode}`);
  }
}

const ServerTCP = ModbusSerial.ServerTCP;

/** Starts the plant; resolves once it listens. */
export async function startSimulatedModbusPlant(
  options: SimulatedPlantOptions = {},
): Promise<SimulatedModbusPlant> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const tauSeconds = options.timeConstantSeconds ?? 900;
  const baseLoadKw = options.baseLoadKw ?? 2;
  const lightingKw = options.lightingKw ?? 1;
  const zoneOptions: readonly SimulatedZoneOptions[] =
    typeof options.zones === 'number' || options.zones === undefined
      ? Array.from({ length: options.zones ?? 1 }, () => ({}))
      : options.zones;

  const memory = {
    holding: new Map<number, number>(),
    input: new Map<number, number>(),
    coil: new Map<number, boolean>(),
    discrete: new Map<number, boolean>(),
  };
  const requests: PlantRequest[] = [];
  type Access = 'read' | 'write';
  let failures: { table: ModbusTable; from: number; to: number; code: number; only: Access | null }[] = [];
  let silent = false;

  const setRegisters = (table: 'holding' | 'input', address: number, words: readonly number[]) => {
    words.forEach((w, i) => {
      memory[table].set(address + i, w & 0xffff);
    });
  };
  const getRegisters = (table: 'holding' | 'input', address: number, count: number) =>
    Array.from({ length: count }, (_, i) => memory[table].get(address + i) ?? 0);
  const readFloat = (table: 'holding' | 'input', address: number) => {
    const buffer = Buffer.alloc(4);
    getRegisters(table, address, 2).forEach((w, i) => {
      buffer.writeUInt16BE(w, i * 2);
    });
    return buffer.readFloatBE(0);
  };
  const writeFloat = (table: 'holding' | 'input', address: number, value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatBE(value, 0);
    setRegisters(table, address, [buffer.readUInt16BE(0), buffer.readUInt16BE(2)]);
  };

  const start = now();
  const zones: ZoneModel[] = zoneOptions.map((z, i) => {
    const a = plantAddresses(i);
    writeFloat('holding', a.coolingSetpoint, z.coolingSetpoint ?? 24);
    writeFloat('holding', a.heatingSetpoint, z.heatingSetpoint ?? 20);
    setRegisters('holding', a.dimming, [z.dimmingPercent ?? 100]);
    memory.coil.set(a.lighting, z.lightingOn ?? false);
    return {
      temperature: z.temperature ?? 22,
      temperatureAt: start,
      energyKwh: z.energyKwh ?? 1_000,
      energyAt: start,
    };
  });

  /**
   * Brings zone `i` to the present under the inputs that held since its last update: the
   * temperature relaxes toward the cooling setpoint when above it, toward the heating setpoint
   * when below, and floats in the dead band between (the lag never crosses its target, so one
   * closed-form step is exact); the meter integrates its load.
   */
  function advance(i: number): void {
    const zone = zones[i];
    if (zone === undefined) return;
    const a = plantAddresses(i);
    const t = now();
    const cooling = readFloat('holding', a.coolingSetpoint);
    const heating = readFloat('holding', a.heatingSetpoint);
    const dt = Math.max(0, t - zone.temperatureAt) / 1000;
    const target =
      Number.isFinite(cooling) && zone.temperature > cooling
        ? cooling
        : Number.isFinite(heating) && zone.temperature < heating
          ? heating
          : zone.temperature;
    zone.temperature = target + (zone.temperature - target) * Math.exp(-dt / tauSeconds);
    zone.temperatureAt = Math.max(t, zone.temperatureAt);
    const dimming = Math.min(100, memory.holding.get(a.dimming) ?? 0);
    const loadKw = baseLoadKw + (memory.coil.get(a.lighting) ? (lightingKw * dimming) / 100 : 0);
    zone.energyKwh += (loadKw * Math.max(0, t - zone.energyAt)) / 3_600_000;
    zone.energyAt = Math.max(t, zone.energyAt);
    writeFloat('input', a.temperature, zone.temperature);
    // Hundredths: a 2 kW zone moves the counter every 18 s, so each poll sees consumption.
    const counts = Math.floor(zone.energyKwh * 100) % 2 ** 32;
    setRegisters('input', a.energy, [Math.floor(counts / 0x10000), counts & 0xffff]);
  }

  /** Zones whose computed registers or inputs lie in [from, from + count). */
  function zonesTouching(table: ModbusTable, from: number, count: number): number[] {
    const hit: number[] = [];
    zones.forEach((_, i) => {
      const a = plantAddresses(i);
      const spans: [number, number][] =
        table === 'input' || table === 'holding'
          ? [[a.coolingSetpoint, a.dimming]]
          : table === 'coil'
            ? [[a.lighting, a.lighting]]
            : [];
      if (spans.some(([lo, hi]) => from <= hi && from + count - 1 >= lo)) hit.push(i);
    });
    return hit;
  }

  function failure(table: ModbusTable, from: number, count: number, access: Access) {
    const f = failures.find(
      (r) =>
        from <= r.to &&
        from + count - 1 >= r.from &&
        r.table === table &&
        (r.only === null || r.only === access),
    );
    return f === undefined ? null : new SimulatedException(f.code);
  }

  /** Answers a request unless the plant is silent or the range fails. */
  function serve<T>(
    table: ModbusTable,
    access: Access,
    from: number,
    count: number,
    cb: Callback<T>,
    answer: () => T,
  ): void {
    if (silent) return;
    const error = failure(table, from, count, access);
    if (error !== null) {
      // ServerTCP reads only the error of a failed call.
      (cb as (err: Error) => void)(error);
      return;
    }
    cb(null, answer());
  }

  const readRegisters =
    (table: 'holding' | 'input') => (address: number, count: number, cb: Callback<number[]>) =>
      serve(table, 'read', address, count, cb, () => {
        for (const i of zonesTouching(table, address, count)) advance(i);
        return getRegisters(table, address, count);
      });
  const readBit = (table: 'coil' | 'discrete') => (address: number, cb: Callback<boolean>) =>
    serve(table, 'read', address, 1, cb, () => memory[table].get(address) ?? false);
  const writeRegisters = (address: number, words: readonly number[], cb: Callback<undefined>) =>
    serve('holding', 'write', address, words.length, cb, () => {
      // The old setpoints governed the time until now.
      for (const i of zonesTouching('holding', address, words.length)) advance(i);
      setRegisters('holding', address, words);
      return undefined;
    });

  // modbus-serial picks a vector function's calling style by its arity: these take callbacks, so a silent plant simply never calls back.
  const vector = {
    getHoldingRegister: (address: number, _unit: number, cb: Callback<number>) =>
      readRegisters('holding')(address, 1, (err, v) => cb(err, v?.[0] as number)),
    getInputRegister: (address: number, _unit: number, cb: Callback<number>) =>
      readRegisters('input')(address, 1, (err, v) => cb(err, v?.[0] as number)),
    getMultipleHoldingRegisters: (address: number, count: number, _unit: number, cb: Callback<number[]>) =>
      readRegisters('holding')(address, count, cb),
    getMultipleInputRegisters: (address: number, count: number, _unit: number, cb: Callback<number[]>) =>
      readRegisters('input')(address, count, cb),
    getCoil: (address: number, _unit: number, cb: Callback<boolean>) => readBit('coil')(address, cb),
    getDiscreteInput: (address: number, _unit: number, cb: Callback<boolean>) =>
      readBit('discrete')(address, cb),
    setRegister: (address: number, value: number, _unit: number, cb: Callback<undefined>) =>
      writeRegisters(address, [value], cb),
    setRegisterArray: (address: number, values: number[], _unit: number, cb: Callback<undefined>) =>
      writeRegisters(address, values, cb),
    setCoil: (address: number, value: boolean, _unit: number, cb: Callback<undefined>) =>
      serve('coil', 'write', address, 1, cb, () => {
        for (const i of zonesTouching('coil', address, 1)) advance(i);
        memory.coil.set(address, value);
        return undefined;
      }),
  };

  const port = options.port !== undefined && options.port !== 0 ? options.port : await freePort(host);
  // unitID 255: answer every unit id, so tests can address several units of one plant.
  const server = new ServerTCP(vector, { host, port, unitID: 255 });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', (error: Error | null) =>
      reject(error ?? new Error('Modbus server failed to start')),
    );
  });
  server.on('socketError', () => undefined);
  server.on('error', () => undefined);
  const connections = { count: 0 };
  logRequests(server, requests, connections);

  return {
    host,
    port,
    zoneCount: zones.length,
    get connectionCount() {
      return connections.count;
    },
    memory,
    setRegisters,
    getRegisters,
    setBit: (table, address, on) => {
      memory[table].set(address, on);
    },
    zone(index) {
      if (zones[index] === undefined)
        throw new RangeError(`the plant has ${zones.length} zone(s), not ${index + 1}`);
      advance(index);
      const a = plantAddresses(index);
      return {
        temperature: readFloat('input', a.temperature),
        coolingSetpoint: readFloat('holding', a.coolingSetpoint),
        heatingSetpoint: readFloat('holding', a.heatingSetpoint),
        lightingOn: memory.coil.get(a.lighting) ?? false,
        dimmingPercent: memory.holding.get(a.dimming) ?? 0,
        energyKwh: zones[index]?.energyKwh ?? 0,
      };
    },
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    failRange: (table, from, to, code = 2) => {
      failures.push({ table, from, to, code, only: null });
    },
    failWrites: (table, from, to, code = 4) => {
      failures.push({ table, from, to, code, only: 'write' });
    },
    clearFailures: () => {
      failures = [];
    },
    silence: () => {
      silent = true;
    },
    resume: () => {
      silent = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** modbus-serial treats port 0 as "use 502": ask the OS for a free port first. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Records each request's MBAP header and PDU start from the raw socket, beside ServerTCP's own
 * parser: the vector functions are called once per register or bit, so they cannot count requests.
 */
function logRequests(
  server: InstanceType<typeof ServerTCP>,
  log: PlantRequest[],
  connections: { count: number },
): void {
  // Internal field of modbus-serial 8.0.25's ServerTCP (the net.Server it listens with).
  const tcp = (server as unknown as { _server: net.Server })._server;
  tcp.on('connection', (socket: net.Socket) => {
    connections.count++;
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 8) {
        const length = pending.readUInt16BE(4);
        if (pending.length < 6 + length) break;
        const pdu = pending.subarray(6, 6 + length);
        const functionCode = pdu[1] ?? 0;
        const bulk = [1, 2, 3, 4, 15, 16].includes(functionCode);
        log.push({
          unitId: pdu[0] ?? 0,
          functionCode,
          address: pdu.length >= 4 ? pdu.readUInt16BE(2) : 0,
          quantity: bulk && pdu.length >= 6 ? pdu.readUInt16BE(4) : 1,
        });
        pending = pending.subarray(6 + length);
      }
    });
  });
}
