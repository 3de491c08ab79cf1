import { type Gateway, GatewayError, type GatewayHealth, type PointRead } from '../gateway.ts';
import { decodeBit, decodeRegisters, encodeBit, encodeRegisters } from './codec.ts';
import { type ModbusClient, ModbusConnection } from './connection.ts';
import { toGatewayError } from './errors.ts';
import type { ModbusPoint, ModbusPointMap } from './point-map.ts';
import { type ActiveCommand, checkPriority, EmulatedPriorityArray } from './priority-array.ts';
import { DEFAULT_READ_PLAN_LIMITS, planReads, type ReadPlanLimits, type ReadRequest } from './read-plan.ts';

/** Tuning a device may need; the point map carries everything else. */
export interface ModbusGatewayOptions {
  /** Request sizes and gaps (some devices answer fewer than 125 registers, or refuse to read unmapped ones). */
  readonly readPlan?: Partial<ReadPlanLimits>;
  /** Clock of read timestamps (tests). */
  readonly now?: () => Date;
}

/** What a relinquish left the register at. */
export type RelinquishResult =
  /** Another priority still holds the point: its value was written. */
  | { readonly kind: 'next_priority'; readonly priority: number; readonly value: number }
  /** No priority left: the point's relinquishDefault was written. */
  | { readonly kind: 'relinquish_default'; readonly value: number }
  /** No priority left and no relinquishDefault configured: the register keeps the last value written. */
  | { readonly kind: 'unchanged' };

/** A point's emulated priority array, for status and tests. */
export interface PriorityArraySnapshot {
  /** Index 0 = priority 1; null = empty slot. */
  readonly slots: readonly (number | null)[];
  readonly active: ActiveCommand | null;
  readonly relinquishDefault: number | null;
}

/** The Modbus TCP {@link Gateway}, plus what only an emulated priority array has. */
export interface ModbusGateway extends Gateway {
  /**
   * {@link Gateway.relinquish}, saying what the register fell back to. `relinquish` itself resolves
   * the same way; with neither a lower priority nor a relinquishDefault it writes nothing.
   */
  relinquishWithResult(pointId: string, priority: number): Promise<RelinquishResult>;
  priorityArray(pointId: string): PriorityArraySnapshot;
}

/**
 * A Gateway over one Modbus TCP connection (`gateway.host:port`), for the points of `map`.
 *
 * Reads are grouped per unit and table into as few requests as the read plan allows and never
 * throw: each point comes back as a PointRead, failed with `exception` (the device answered with a
 * Modbus exception), `timeout`, `disconnected` or `decode`. When a grouped request meets an
 * `illegal data address` exception, its points are read again one by one, so one unmapped address
 * (or a gap the device refuses to read through) fails only its own point.
 *
 * Writes go through an emulated priority array per setpoint (Modbus has none): the lowest-numbered
 * active priority's value is written; relinquishing falls back to the next one or to the point's
 * relinquishDefault. After a reconnection the active commands are written again (the device may have
 * restarted with its own values). A value outside the point's minValue/maxValue is refused (`not_writable`) before it
 * reaches the array. The arrays live in memory: after a restart the command executor writes the
 * still-active commands again. A gateway in `read-only` mode refuses every write (`not_writable`).
 */
export function createModbusGateway(map: ModbusPointMap, options: ModbusGatewayOptions = {}): ModbusGateway {
  const { gateway } = map;
  const limits: ReadPlanLimits = { ...DEFAULT_READ_PLAN_LIMITS, ...options.readPlan };
  const now = options.now ?? (() => new Date());
  const points = new Map<string, ModbusPoint>(map.points.map((p) => [p.pointId, p]));
  const arrays = new Map<string, EmulatedPriorityArray>();
  const connection = new ModbusConnection({
    host: gateway.host,
    port: gateway.port,
    timeoutMs: gateway.timeoutMs,
    reconnect: gateway.reconnect,
    // A dropped connection may be a device that restarted with its own defaults: write the winners again.
    onReconnected: () => {
      for (const [pointId, array] of arrays) {
        const point = points.get(pointId);
        const active = array.active();
        if (point !== undefined && active !== null) {
          // A failure is recorded in health(); the next command or reconnection writes again.
          writeValue(point, active.value).catch(() => undefined);
        }
      }
    },
  });
  const unitOf = (p: ModbusPoint) => p.unitId ?? gateway.unitId;

  function failed(pointId: string, error: GatewayError): PointRead {
    return { pointId, ok: false, code: error.code, message: error.message, at: now() };
  }

  async function runRequest(request: ReadRequest): Promise<PointRead[]> {
    const what = `read ${request.table} ${request.address}+${request.length} of unit ${request.unitId}`;
    let response: { bits?: readonly boolean[]; words?: readonly number[] };
    try {
      response = await connection.run(request.unitId, what, (client) => readTable(client, request));
    } catch (error) {
      const failure = toGatewayError(error, what);
      if (failure.code === 'exception' && isIllegalAddress(failure) && request.points.length > 1) {
        const singles = request.points.map((p) => ({
          ...request,
          address: p.address,
          length: span(p),
          points: [p],
        }));
        return (await Promise.all(singles.map(runRequest))).flat();
      }
      return request.points.map((p) => failed(p.pointId, failure));
    }
    const at = now();
    return request.points.map((p): PointRead => {
      const index = p.address - request.address;
      try {
        const value =
          p.type === 'bool'
            ? decodeBit(pick(response.bits, index, p))
            : decodeRegisters(sliceWords(response.words, index, span(p), p), p);
        return { pointId: p.pointId, ok: true, value, at };
      } catch (error) {
        return failed(p.pointId, toGatewayError(error, `decode ${p.pointId}`));
      }
    });
  }

  function setpoint(pointId: string, action: string): ModbusPoint & { role: 'setpoint' } {
    const point = points.get(pointId);
    if (point === undefined)
      throw new GatewayError('not_writable', `${action} ${pointId}: no such point in ${gateway.id}`);
    if (point.role !== 'setpoint') {
      throw new GatewayError(
        'not_writable',
        `${action} ${pointId}: a ${point.role} is read-only; only setpoints are written`,
      );
    }
    if (gateway.mode !== 'read-write') {
      throw new GatewayError('not_writable', `${action} ${pointId}: gateway ${gateway.id} is read-only`);
    }
    return point;
  }

  /** Writes `value` to the point's register or coil. */
  function writeValue(point: ModbusPoint, value: number): Promise<void> {
    const what = `write ${value} to ${point.pointId} (${point.table} ${point.address})`;
    let encoded: { bit: boolean } | { words: number[] };
    try {
      encoded = point.type === 'bool' ? { bit: encodeBit(value) } : { words: encodeRegisters(value, point) };
    } catch (error) {
      return Promise.reject(toGatewayError(error, what));
    }
    return connection.run(unitOf(point), what, async (client) => {
      if ('bit' in encoded) await client.writeCoil(point.address, encoded.bit);
      else if (encoded.words.length === 1)
        await client.writeRegister(point.address, encoded.words[0] as number);
      else await client.writeRegisters(point.address, encoded.words);
    });
  }

  /** Applies `next` to the device, then keeps it; a failed write leaves the array as it was. */
  async function commit(
    point: ModbusPoint & { role: 'setpoint' },
    next: EmulatedPriorityArray,
  ): Promise<RelinquishResult> {
    const active = next.active();
    let result: RelinquishResult;
    if (active !== null) {
      await writeValue(point, active.value);
      result = { kind: 'next_priority', priority: active.priority, value: active.value };
    } else if (point.relinquishDefault !== undefined) {
      await writeValue(point, point.relinquishDefault);
      result = { kind: 'relinquish_default', value: point.relinquishDefault };
    } else {
      result = { kind: 'unchanged' };
    }
    arrays.set(point.pointId, next);
    return result;
  }

  const arrayOf = (pointId: string) => arrays.get(pointId) ?? EmulatedPriorityArray.empty();

  const self: ModbusGateway = {
    id: gateway.id,
    connect: () => connection.connect(),

    async read(pointIds) {
      const known: ModbusPoint[] = [];
      const unknown: PointRead[] = [];
      for (const id of pointIds) {
        const point = points.get(id);
        if (point === undefined) {
          unknown.push(failed(id, new GatewayError('decode', `${id} is not a point of ${gateway.id}`)));
        } else known.push(point);
      }
      const requests = planReads(known, gateway.unitId, limits);
      // Requests queue on the one connection; issuing them together only saves the await between them.
      const results = (await Promise.all(requests.map(runRequest))).flat();
      const byId = new Map(results.map((r) => [r.pointId, r]));
      for (const r of unknown) byId.set(r.pointId, r);
      return pointIds.map((id) => byId.get(id) as PointRead);
    },

    async write(pointId, value, priority) {
      checkPriority(priority);
      const point = setpoint(pointId, 'write');
      // The safety processor checks limits first; the last step before the device checks again, failing closed.
      if (!(value >= point.minValue && value <= point.maxValue)) {
        throw new GatewayError(
          'not_writable',
          `write ${value} to ${pointId}: outside its limits ${point.minValue} to ${point.maxValue}`,
        );
      }
      await commit(point, arrayOf(pointId).with(priority, value));
    },

    async relinquish(pointId, priority) {
      await self.relinquishWithResult(pointId, priority);
    },

    async relinquishWithResult(pointId, priority) {
      checkPriority(priority);
      const point = setpoint(pointId, 'relinquish');
      return commit(point, arrayOf(pointId).with(priority, null));
    },

    priorityArray(pointId) {
      const point = points.get(pointId);
      const array = arrayOf(pointId);
      return {
        slots: array.values(),
        active: array.active(),
        relinquishDefault: point?.role === 'setpoint' ? (point.relinquishDefault ?? null) : null,
      };
    },

    // Modbus has no push: the runner polls.
    subscribe: async () => async () => undefined,
    health: (): GatewayHealth => connection.health(),
    close: () => connection.close(),
  };
  return self;
}

function span(p: ModbusPoint): number {
  return p.type === 'int32' || p.type === 'uint32' || p.type === 'float32' ? 2 : 1;
}

function isIllegalAddress(error: GatewayError): boolean {
  return (error.cause as { modbusCode?: unknown } | undefined)?.modbusCode === 2;
}

async function readTable(
  client: ModbusClient,
  request: ReadRequest,
): Promise<{ bits?: readonly boolean[]; words?: readonly number[] }> {
  switch (request.table) {
    case 'holding':
      return { words: (await client.readHoldingRegisters(request.address, request.length)).data };
    case 'input':
      return { words: (await client.readInputRegisters(request.address, request.length)).data };
    case 'coil':
      return { bits: (await client.readCoils(request.address, request.length)).data };
    case 'discrete':
      return { bits: (await client.readDiscreteInputs(request.address, request.length)).data };
  }
}

function pick(bits: readonly boolean[] | undefined, index: number, p: ModbusPoint): boolean {
  const bit = bits?.[index];
  if (bit === undefined) throw new GatewayError('decode', `${p.pointId}: the answer has no bit ${index}`);
  return bit;
}

function sliceWords(
  words: readonly number[] | undefined,
  index: number,
  count: number,
  p: ModbusPoint,
): number[] {
  const slice = words?.slice(index, index + count) ?? [];
  if (slice.length !== count)
    throw new GatewayError('decode', `${p.pointId}: the answer has too few registers`);
  return slice;
}
