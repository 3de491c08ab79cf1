import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ControlInputRejectedError,
  type ControlSafetyInput,
  type ControlSafetyOptions,
  ControlSafetyPolicyError,
  controlSafety,
  validateControlPoint,
  validatePointValue,
} from '../../processors/control-safety/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  ControlPointKind,
  ControlPointRegistered,
} from '../../schemas/index.ts';

// The loop's additions to control-safety (issue 14): point values and read-backs as the device's
// value, stale_value for gateway points, dead band pairs from registrations' zoneId, schedule and
// heartbeat checks, on/off lights.

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

function point(
  pointId: string,
  pointKind: ControlPointKind,
  over: Partial<ControlPointRegistered> = {},
): ControlPointRegistered {
  return {
    eventId: `reg-${pointId}`,
    occurredAt: at(-600),
    source: 'modbus-gw:plant-1',
    pointId,
    buildingId: 'B1',
    pointKind,
    unit: 'degC',
    minValue: 15,
    maxValue: 30,
    maxChangePerMinute: null,
    brickClass: null,
    zoneId: null,
    gatewayId: null,
    ...over,
  };
}

let seq = 0;
function command(pointId: string, minutes: number, over: Partial<ControlCommandRequested> = {}) {
  seq += 1;
  const value: ControlCommandRequested = {
    eventId: `cmd-event-${seq}`,
    occurredAt: at(minutes),
    source: 'test',
    commandId: `cmd-${seq}`,
    buildingId: 'B1',
    pointId,
    value: 22,
    unit: 'degC',
    priority: 12,
    expiresAt: at(minutes + 60),
    requestedBy: 'agent:a',
    reason: null,
    ...over,
  };
  return { type: 'ControlCommandRequested', value } as const;
}
const registered = (value: ControlPointRegistered) => ({ type: 'ControlPointRegistered', value }) as const;
const observed = (pointId: string, value: number, minutes: number, unit: 'degC' | 'rpm' = 'degC') =>
  ({
    type: 'PointValueObserved',
    value: { occurredAt: at(minutes), buildingId: 'B1', pointId, value, unit },
  }) as const;
function outcome(commandId: string, pointId: string, minutes: number, over: Partial<ControlOutcome>) {
  const value: ControlOutcome = {
    eventId: `out-${commandId}-${minutes}`,
    occurredAt: at(minutes),
    source: 'modbus-gw:plant-1',
    commandId,
    buildingId: 'B1',
    pointId,
    outcome: 'acknowledged',
    ...over,
  };
  return { type: 'ControlOutcome', value } as const;
}

function run(inputs: readonly ControlSafetyInput[], options?: ControlSafetyOptions): ControlDecision[] {
  const out: ControlDecision[] = [];
  from(inputs)
    .pipe(controlSafety(options))
    .subscribe((d) => out.push(d));
  return out;
}
const codes = (d: ControlDecision | undefined) => (d?.reasons ?? []).map((r) => r.code);
const text = (d: ControlDecision | undefined) => (d?.reasons ?? []).map((r) => r.message).join('\n');

const gwPoint = point('AHU1-SP', 'zone_air_temperature_setpoint', {
  gatewayId: 'modbus-gw:plant-1',
  maxChangePerMinute: 0.5,
});

describe('stale_value for points served by a gateway', () => {
  it('rejects with no value yet, and when the latest value is older than 15 min; accepts a fresh one', () => {
    const decisions = run([
      registered(gwPoint),
      command('AHU1-SP', 0),
      observed('AHU1-SP', 22, 1),
      command('AHU1-SP', 16.5), // 15.5 min after the value
      command('AHU1-SP', 16), // exactly 15 min: still fresh
    ]);
    expect(decisions.map(codes)).toEqual([['stale_value'], ['stale_value'], []]);
    expect(text(decisions[0])).toContain('has no value from gateway modbus-gw:plant-1 yet');
    expect(text(decisions[1])).toContain(
      'read at 2026-12-07T09:01:00.000Z, 15.5 min before the command, more than the 15 min allowed',
    );
  });

  it('counts an acknowledged read-back as a fresh value, and ignores a value in another unit', () => {
    const decisions = run([
      registered(gwPoint),
      observed('AHU1-SP', 22, 0),
      command('AHU1-SP', 1, { value: 22.5 }),
      outcome('cmd-x', 'AHU1-SP', 10, { outcome: 'acknowledged', readBack: 22.5, value: 22.5 }),
      command('AHU1-SP', 24), // 14 min after the read-back
      observed('AHU1-SP', 3000, 30, 'rpm'),
      command('AHU1-SP', 40), // 30 min after the read-back; the rpm value is not the point's
    ]);
    expect(decisions.map(codes)).toEqual([[], [], ['stale_value']]);
  });

  it('honours a policy maximum age and refuses a non-positive one', () => {
    const decisions = run([registered(gwPoint), observed('AHU1-SP', 22, 0), command('AHU1-SP', 6)], {
      policy: { maxValueAgeMs: 5 * 60_000 },
    });
    expect(decisions.map(codes)).toEqual([['stale_value']]);
    expect(() => controlSafety({ policy: { maxValueAgeMs: 0 } })).toThrow(ControlSafetyPolicyError);
  });

  it('leaves points without a gateway as before: no value needed', () => {
    const decisions = run([registered({ ...gwPoint, gatewayId: null }), command('AHU1-SP', 0)]);
    expect(decisions.map(codes)).toEqual([[]]);
  });
});

describe('the slew baseline from device values', () => {
  it('a repeated equal reading does not restart the slew clock; a changed one does', () => {
    const decisions = run([
      registered(gwPoint),
      observed('AHU1-SP', 22, 0),
      observed('AHU1-SP', 22, 9),
      observed('AHU1-SP', 22, 9.5),
      command('AHU1-SP', 10, { value: 25 }), // 3 degC in 10 min at 0.5/min: allowed since minute 0
      observed('AHU1-SP', 21, 11),
      command('AHU1-SP', 12, { value: 22 }), // 1 degC in 1 min from the changed 21: too fast
    ]);
    expect(decisions.map(codes)).toEqual([[], ['slew_limit']]);
  });

  it('a refused or expired command never reached the device: the value before it is the baseline again', () => {
    const point = { ...gwPoint, gatewayId: null };
    for (const refusal of [
      { outcome: 'refused', cause: 'stale_value' },
      { outcome: 'expired', cause: 'approval_timeout' },
    ] as const) {
      const accepted = command('AHU1-SP', 2, { value: 23 });
      const decisions = run([
        registered(point),
        observed('AHU1-SP', 22, 0),
        accepted,
        outcome(accepted.value.commandId, 'AHU1-SP', 2.5, refusal),
        // 1 degC in 3.5 min from 22: allowed. From the never-written 23 at minute 2 it would be 2 degC
        // in 1.5 min: too fast.
        command('AHU1-SP', 3.5, { value: 21 }),
      ]);
      expect(decisions.map(codes), refusal.outcome).toEqual([[], []]);
    }
  });
});

describe('Guideline 36 dead band from registrations', () => {
  const heating = point('Z7-HTG', 'heating_setpoint', { zoneId: 'Z7' });
  const cooling = point('Z7-CLG', 'cooling_setpoint', { zoneId: 'Z7' });

  it('pairs the heating and cooling setpoints of one zone by zoneId, in both directions', () => {
    const decisions = run([
      registered(heating),
      registered(cooling),
      registered(point('Z8-CLG', 'cooling_setpoint', { zoneId: 'Z8' })),
      observed('Z7-HTG', 21, 0),
      observed('Z7-CLG', 24, 0),
      observed('Z8-CLG', 20, 0), // another zone: no constraint on Z7
      command('Z7-HTG', 1, { value: 23.8 }),
      command('Z7-HTG', 2, { value: 23.5 }),
      command('Z7-CLG', 3, { value: 23.9 }), // heating is 23.5 now (accepted)
      command('Z7-CLG', 4, { value: 24 }),
    ]);
    expect(decisions.map(codes)).toEqual([['setpoint_deadband'], [], ['setpoint_deadband'], []]);
    expect(text(decisions[0])).toContain(
      'less than 0.5 degC below the cooling setpoint 24 degC (point Z7-CLG, zone Z7); request 23.5 degC or less',
    );
  });

  it("keeps the band against a partner's accepted command that the device does not show yet", () => {
    const decisions = run([
      registered(heating),
      registered(cooling),
      observed('Z7-HTG', 21, 0),
      observed('Z7-CLG', 24, 0),
      command('Z7-HTG', 1, { value: 23 }), // accepted, waiting for approval: the device still has 21
      observed('Z7-HTG', 21, 2),
      command('Z7-CLG', 3, { value: 23.2 }), // 2.2 above the shown 21, 0.2 above the pending 23
      command('Z7-CLG', 4, { value: 23.5 }),
    ]);
    expect(decisions.map(codes)).toEqual([[], ['setpoint_deadband'], []]);
    expect(text(decisions[1])).toContain('above the heating setpoint 23 degC (point Z7-HTG, zone Z7)');
  });

  it('does not pair across buildings, and a re-registration out of the zone unpairs', () => {
    const decisions = run([
      registered(heating),
      registered({ ...cooling, buildingId: 'B2' }),
      observed('Z7-CLG', 22, 0),
      command('Z7-HTG', 1, { value: 23 }),
      registered(cooling),
      command('Z7-HTG', 2, { value: 23 }),
      registered({ ...cooling, zoneId: 'Z9' }),
      command('Z7-HTG', 3, { value: 23 }),
    ]);
    expect(decisions.map(codes)).toEqual([[], ['setpoint_deadband'], []]);
  });
});

describe('schedule_invalid', () => {
  const zone = point('Z1-SP', 'zone_air_temperature_setpoint');
  const window = { timeZone: 'Europe/London', daysOfWeek: [1, 2, 3, 4, 5], start: '07:00', end: '19:00' };

  it('accepts a valid window and names what to fix in each broken one', () => {
    const cases: [Partial<typeof window>, string][] = [
      [{ timeZone: 'Europe/Atlantis' }, "time zone 'Europe/Atlantis' is not an IANA time zone"],
      [{ timeZone: '+01:00' }, "time zone '+01:00' is not an IANA time zone"],
      [{ daysOfWeek: [] }, 'the window opens on no day'],
      [{ daysOfWeek: [0, 8] }, 'days 0, 8 are not ISO days; use 1 (Monday) to 7 (Sunday)'],
      [{ start: '7:00' }, "start '7:00' is not a 24-hour 'HH:MM'"],
      [{ end: '24:00' }, "end '24:00' is not a 24-hour 'HH:MM'"],
      [{ start: '19:00', end: '07:00' }, 'end 07:00 is not after start 19:00; windows do not cross midnight'],
    ];
    const decisions = run([
      registered(zone),
      command('Z1-SP', 0, { schedule: window }),
      ...cases.map(([broken], i) => command('Z1-SP', i + 1, { schedule: { ...window, ...broken } })),
    ]);
    expect(codes(decisions[0])).toEqual([]);
    for (const [i, [, message]] of cases.entries()) {
      expect(codes(decisions[i + 1]), message).toEqual(['schedule_invalid']);
      expect(text(decisions[i + 1])).toContain(message);
    }
  });

  it('rejects a heartbeat that is not positive or longer than the command lasts', () => {
    const decisions = run([
      registered(zone),
      command('Z1-SP', 0, { heartbeatSeconds: 60 }),
      command('Z1-SP', 1, { heartbeatSeconds: 0 }),
      command('Z1-SP', 2, { heartbeatSeconds: 3601 }), // the command lasts 60 min
    ]);
    expect(decisions.map(codes)).toEqual([[], ['schedule_invalid'], ['schedule_invalid']]);
    expect(text(decisions[1])).toContain('heartbeatSeconds 0 is not a positive number of seconds');
    expect(text(decisions[2])).toContain('set heartbeatSeconds to at most 3600');
  });
});

describe('lighting', () => {
  const onOff = point('L1', 'lighting_level', { unit: 'boolean', minValue: 0, maxValue: 1 });
  const dimmer = point('L2', 'lighting_level', { unit: 'percent', minValue: 10, maxValue: 100 });

  it('an on/off light takes 0 or 1; a dimming level its limits', () => {
    const decisions = run([
      registered(onOff),
      registered(dimmer),
      command('L1', 0, { unit: 'boolean', value: 1 }),
      command('L1', 1, { unit: 'boolean', value: 0.5 }),
      command('L1', 2, { unit: 'boolean', value: 2 }),
      command('L2', 3, { unit: 'percent', value: 55.5 }),
      command('L2', 4, { unit: 'percent', value: 5 }),
      command('L2', 5, { unit: 'percent', value: 1 }),
    ]);
    expect(decisions.map(codes)).toEqual([
      [],
      ['below_min'],
      ['above_max'],
      [],
      ['below_min'],
      ['below_min'],
    ]);
    expect(text(decisions[1])).toContain('is an on/off light: it takes 0 (off) or 1 (on), not 0.5');
  });

  it('refuses registrations beyond the unit domain, and point values that are not finite', () => {
    expect(() => validateControlPoint({ ...onOff, maxValue: 100 })).toThrow(ControlInputRejectedError);
    expect(() => validateControlPoint({ ...dimmer, maxValue: 150 })).toThrow(/0 to 100/);
    expect(validateControlPoint(dimmer)).toBe(dimmer);
    const value = {
      eventId: 'pv-1',
      occurredAt: at(0),
      source: 'gw',
      buildingId: 'B1',
      pointId: 'L2',
      value: Number.NaN,
      unit: 'percent',
    } as const;
    expect(() => validatePointValue(value)).toThrow(/not finite/);
    expect(validatePointValue({ ...value, value: 40 }).value).toBe(40);
  });
});
