import type { ModbusPoint, ModbusTable } from './point-map.ts';
import { isBitTable, registerCount } from './point-map.ts';

/** The protocol's own ceilings: FC3/FC4 read at most 125 registers, FC1/FC2 at most 2000 bits. */
export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2_000;

/** How far reads may be merged; devices differ, hence options. */
export interface ReadPlanLimits {
  readonly maxRegisters: number;
  readonly maxBits: number;
  /** Unmapped registers a request may read through to join two points (0 = only adjacent ones). */
  readonly maxRegisterGap: number;
  readonly maxBitGap: number;
}

export const DEFAULT_READ_PLAN_LIMITS: ReadPlanLimits = {
  maxRegisters: MAX_REGISTERS_PER_READ,
  maxBits: MAX_BITS_PER_READ,
  maxRegisterGap: 8,
  maxBitGap: 32,
};

/** One read request and the points it answers. */
export interface ReadRequest {
  readonly unitId: number;
  readonly table: ModbusTable;
  readonly address: number;
  readonly length: number;
  readonly points: readonly ModbusPoint[];
}

/**
 * Groups points into as few requests as the limits allow: per unit and table, sorted by address,
 * a point joins the current request while the request stays within the size ceiling and the hole
 * before the point is no larger than the allowed gap.
 */
export function planReads(
  points: readonly ModbusPoint[],
  defaultUnitId: number,
  limits: ReadPlanLimits = DEFAULT_READ_PLAN_LIMITS,
): ReadRequest[] {
  const byBlock = new Map<string, { unitId: number; table: ModbusTable; points: ModbusPoint[] }>();
  for (const point of points) {
    const unitId = point.unitId ?? defaultUnitId;
    const key = `${unitId}/${point.table}`;
    const block = byBlock.get(key) ?? { unitId, table: point.table, points: [] };
    block.points.push(point);
    byBlock.set(key, block);
  }
  const requests: ReadRequest[] = [];
  for (const block of byBlock.values()) {
    const bits = isBitTable(block.table);
    const max = bits ? limits.maxBits : limits.maxRegisters;
    const gap = bits ? limits.maxBitGap : limits.maxRegisterGap;
    const sorted = [...block.points].sort((a, b) => a.address - b.address);
    let current: { address: number; end: number; points: ModbusPoint[] } | null = null;
    for (const point of sorted) {
      const end = point.address + registerCount(point.type);
      if (
        current !== null &&
        point.address - current.end <= gap &&
        Math.max(end, current.end) - current.address <= max
      ) {
        current.end = Math.max(end, current.end);
        current.points.push(point);
        continue;
      }
      if (current !== null) requests.push(toRequest(block, current));
      current = { address: point.address, end, points: [point] };
    }
    if (current !== null) requests.push(toRequest(block, current));
  }
  return requests;
}

function toRequest(
  block: { unitId: number; table: ModbusTable },
  span: { address: number; end: number; points: ModbusPoint[] },
): ReadRequest {
  return {
    unitId: block.unitId,
    table: block.table,
    address: span.address,
    length: span.end - span.address,
    points: span.points,
  };
}
