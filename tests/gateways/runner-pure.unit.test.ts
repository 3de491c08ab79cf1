import { describe, expect, it } from 'vitest';
import type { GatewayPoint } from '../../sources/gateways/index.ts';
import { meterStep, registrationsOf, shouldReportValue } from '../../sources/gateways/runner/index.ts';

describe('meterStep: a cumulative counter becomes the consumption between two reads', () => {
  it('baseline first, then differences; backwards is reported, never a negative reading', () => {
    expect(meterStep('cumulative', undefined, 100)).toEqual({ kind: 'baseline' });
    expect(meterStep('cumulative', 100, 112.5)).toEqual({ kind: 'reading', value: 12.5 });
    expect(meterStep('cumulative', 112.5, 112.5)).toEqual({ kind: 'reading', value: 0 });
    expect(meterStep('cumulative', 112.5, 3)).toEqual({ kind: 'backwards', previous: 112.5, current: 3 });
    expect(meterStep('interval', undefined, 7)).toEqual({ kind: 'reading', value: 7 });
  });
});

describe('registrationsOf', () => {
  const points: GatewayPoint[] = [
    {
      pointId: 'm1',
      buildingId: 'b1',
      role: 'meter',
      pollSeconds: 60,
      meterKind: 'electricity',
      unit: 'kWh',
      valueIs: 'cumulative',
    },
    { pointId: 's1', buildingId: 'b1', role: 'sensor', pollSeconds: 10, unit: 'degC' },
    {
      pointId: 'sp1',
      buildingId: 'b1',
      role: 'setpoint',
      pollSeconds: 10,
      pointKind: 'cooling_setpoint',
      unit: 'degC',
      minValue: 18,
      maxValue: 28,
      zoneId: 'z1',
      requiresApproval: true,
      approvalTimeoutSeconds: 120,
    },
  ];
  it('a meter per meter, a control point per setpoint with its gateway and policy; ids stable', () => {
    const at = new Date('2026-12-06T00:00:00Z');
    const r = registrationsOf('modbus-gw:t', points, at);
    expect(r.meters.map((m) => m.meterId)).toEqual(['m1']);
    expect(r.controlPoints).toHaveLength(1);
    expect(r.controlPoints[0]).toMatchObject({
      pointId: 'sp1',
      gatewayId: 'modbus-gw:t',
      zoneId: 'z1',
      requiresApproval: true,
      approvalTimeoutSeconds: 120,
      minValue: 18,
      maxValue: 28,
      source: 'modbus-gw:t',
    });
    const again = registrationsOf('modbus-gw:t', points, new Date());
    expect(again.controlPoints[0]?.eventId).toBe(r.controlPoints[0]?.eventId);
  });
});

describe('shouldReportValue: point values are reported by exception', () => {
  const t0 = new Date('2026-12-01T08:00:00Z');
  const secondsLater = (s: number) => new Date(t0.getTime() + s * 1000);
  const last = { value: 21, at: t0 };

  it('reports the first value, a change, and an unchanged value once the refresh is due', () => {
    expect(shouldReportValue(undefined, 21, t0, 0, 300_000)).toBe(true);
    expect(shouldReportValue(last, 21, secondsLater(10), 0, 300_000)).toBe(false);
    expect(shouldReportValue(last, 21.01, secondsLater(10), 0, 300_000)).toBe(true);
    expect(shouldReportValue(last, 21, secondsLater(299), 0, 300_000)).toBe(false);
    expect(shouldReportValue(last, 21, secondsLater(300), 0, 300_000)).toBe(true);
  });

  it('holds back changes smaller than the COV increment until the refresh', () => {
    expect(shouldReportValue(last, 21.4, secondsLater(10), 0.5, 300_000)).toBe(false);
    expect(shouldReportValue(last, 20.5, secondsLater(10), 0.5, 300_000)).toBe(true);
    expect(shouldReportValue(last, 21.4, secondsLater(300), 0.5, 300_000)).toBe(true);
  });
});
