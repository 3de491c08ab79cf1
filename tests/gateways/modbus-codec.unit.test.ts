import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRegisters,
  encodeRegisters,
  ModbusCodecError,
  type ModbusPoint,
  planReads,
  type RegisterLayout,
} from '../../sources/gateways/modbus/index.ts';

const orders = fc.constantFrom('big', 'little' as const);
const integerTypes = {
  int16: fc.integer({ min: -0x8000, max: 0x7fff }),
  uint16: fc.integer({ min: 0, max: 0xffff }),
  int32: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  uint32: fc.integer({ min: 0, max: 0xffffffff }),
} as const;

describe('Modbus register codec', () => {
  for (const [type, raws] of Object.entries(integerTypes)) {
    it(`${type}: encode then decode returns the value, in every byte/word order and scale`, () => {
      fc.assert(
        fc.property(
          raws,
          orders,
          orders,
          fc.constantFrom(1, 0.1, 0.01, 10),
          fc.integer({ min: -100, max: 100 }),
          (raw, byteOrder, wordOrder, scale, offset) => {
            const layout = { type, byteOrder, wordOrder, scale, offset } as RegisterLayout;
            const value = raw * scale + offset;
            const words = encodeRegisters(value, layout);
            expect(words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)).toBe(true);
            expect(decodeRegisters(words, layout)).toBeCloseTo(value, 6);
          },
        ),
      );
    });
  }

  it('float32: encode then decode returns the float32 nearest the value', () => {
    fc.assert(
      fc.property(
        fc.float({ noNaN: true, noDefaultInfinity: true }),
        orders,
        orders,
        (value, byteOrder, wordOrder) => {
          const layout: RegisterLayout = { type: 'float32', byteOrder, wordOrder, scale: 1, offset: 0 };
          expect(decodeRegisters(encodeRegisters(value, layout), layout)).toBe(
            Math.fround(value) === 0 ? 0 : Math.fround(value),
          );
        },
      ),
    );
  });

  it('refuses values outside the type and registers that are not a number', () => {
    const layout: RegisterLayout = {
      type: 'uint16',
      byteOrder: 'big',
      wordOrder: 'big',
      scale: 1,
      offset: 0,
    };
    expect(() => encodeRegisters(65_536, layout)).toThrow(ModbusCodecError);
    expect(() => encodeRegisters(-1, layout)).toThrow(ModbusCodecError);
    expect(() => decodeRegisters([0x7f80, 0], { ...layout, type: 'float32' })).toThrow(/not a number/);
    expect(() => decodeRegisters([1], { ...layout, type: 'int32' })).toThrow(/needs 2/);
  });
});

describe('read planning', () => {
  const point = (pointId: string, address: number, fields: Partial<ModbusPoint> = {}) =>
    ({
      pointId,
      buildingId: 'b',
      role: 'sensor',
      unit: 'degC',
      pollSeconds: 60,
      table: 'holding',
      address,
      type: 'uint16',
      byteOrder: 'big',
      wordOrder: 'big',
      scale: 1,
      offset: 0,
      ...fields,
    }) as ModbusPoint;

  it('every point is in exactly one request that covers it, within the size ceilings', () => {
    const points = fc.uniqueArray(
      fc.record({
        address: fc.integer({ min: 0, max: 3_000 }),
        table: fc.constantFrom('holding', 'input', 'coil', 'discrete' as const),
        wide: fc.boolean(),
        unitId: fc.constantFrom(1, 2),
      }),
      { selector: (p) => `${p.unitId}/${p.table}/${p.address}`, maxLength: 300 },
    );
    fc.assert(
      fc.property(points, (specs) => {
        const all = specs.map((s, i) => {
          const bits = s.table === 'coil' || s.table === 'discrete';
          return point(`p${i}`, s.address, {
            table: s.table,
            unitId: s.unitId,
            type: bits ? 'bool' : s.wide ? 'float32' : 'uint16',
          });
        });
        const requests = planReads(all, 1);
        const seen = new Map<string, number>();
        for (const r of requests) {
          expect(r.length).toBeLessThanOrEqual(r.table === 'coil' || r.table === 'discrete' ? 2_000 : 125);
          for (const p of r.points) {
            seen.set(p.pointId, (seen.get(p.pointId) ?? 0) + 1);
            expect(p.table).toBe(r.table);
            expect(p.unitId ?? 1).toBe(r.unitId);
            expect(p.address).toBeGreaterThanOrEqual(r.address);
            expect(p.address + (p.type === 'float32' ? 2 : 1)).toBeLessThanOrEqual(r.address + r.length);
          }
        }
        expect(seen.size).toBe(all.length);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      }),
    );
  });

  it('merges across small gaps only', () => {
    const requests = planReads([point('a', 0), point('b', 9), point('c', 30)], 1);
    expect(requests.map((r) => [r.address, r.length, r.points.map((p) => p.pointId)])).toEqual([
      [0, 10, ['a', 'b']],
      [30, 1, ['c']],
    ]);
    const strict = planReads([point('a', 0), point('b', 2)], 1, {
      maxRegisters: 125,
      maxBits: 2_000,
      maxRegisterGap: 0,
      maxBitGap: 0,
    });
    expect(strict).toHaveLength(2);
  });
});
