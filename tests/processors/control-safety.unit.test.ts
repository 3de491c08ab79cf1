import fc from 'fast-check';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  type ActiveCommand,
  CONTROL_SAFETY_SOURCE,
  type ControlSafetyInput,
  type ControlSafetyOptions,
  ControlSafetyPolicyError,
  controlSafety,
  DEFAULT_CONTROL_SAFETY_POLICY,
  type DecisionContext,
  decideCommand,
  type InterlockRule,
  NO_INTERLOCKS,
  type PairedSetpoint,
} from '../../processors/control-safety/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlPointKind,
  ControlPointRegistered,
  ReasonCode,
} from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';

const T0 = new Date('2025-01-15T09:00:00.000Z');
/** T0 plus `minutes`. */
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

function registration(
  pointId: string,
  pointKind: ControlPointKind,
  overrides: Partial<ControlPointRegistered> = {},
): ControlPointRegistered {
  return {
    eventId: derivedEventId('test-point', pointId),
    occurredAt: at(-24 * 60),
    source: 'bacnet-gw:test',
    pointId,
    buildingId: 'B1',
    pointKind,
    unit: 'degC',
    minValue: 16,
    maxValue: 28,
    maxChangePerMinute: null,
    brickClass: null,
    ...overrides,
  };
}

const zoneSetpoint = registration('ZN-3 SP', 'zone_air_temperature_setpoint', { maxChangePerMinute: 1 });
const heating = registration('ZN-3 HTG', 'heating_setpoint', { minValue: 15, maxValue: 26 });
const cooling = registration('ZN-3 CLG', 'cooling_setpoint', { minValue: 18, maxValue: 30 });
const lighting = registration('FL-2 LIGHT', 'lighting_level', {
  unit: 'percent',
  minValue: 0,
  maxValue: 100,
});

let commandSeq = 0;
function command(overrides: Partial<ControlCommandRequested> = {}): ControlCommandRequested {
  commandSeq += 1;
  return {
    eventId: derivedEventId('test-command-event', commandSeq),
    occurredAt: T0,
    source: 'mcp-adapter',
    commandId: derivedEventId('test-command', commandSeq),
    buildingId: 'B1',
    pointId: zoneSetpoint.pointId,
    value: 22,
    unit: 'degC',
    priority: 12,
    expiresAt: at(60),
    requestedBy: 'agent:energy-optimizer',
    reason: null,
    ...overrides,
  };
}

function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    point: zoneSetpoint,
    current: null,
    pairedSetpoint: null,
    interlocks: NO_INTERLOCKS,
    activeCommands: [],
    ...overrides,
  };
}

function held(overrides: Partial<ActiveCommand> = {}): ActiveCommand {
  return {
    commandId: 'held-1',
    priority: 8,
    requestedBy: 'user:alice',
    value: 21,
    expiresAt: at(30),
    ...overrides,
  };
}

const codes = (decision: ControlDecision): ReasonCode[] => (decision.reasons ?? []).map((r) => r.code);
const messages = (decision: ControlDecision): string =>
  (decision.reasons ?? []).map((r) => r.message).join('\n');

const lightingFloor: InterlockRule = {
  kind: 'occupancy',
  id: 'lighting-floor',
  label: 'occupied lighting floor',
  appliesTo: { pointKinds: ['lighting_level'] },
  min: 50,
};
const comfortBand: InterlockRule = {
  kind: 'occupancy',
  id: 'comfort-band',
  label: 'occupied comfort band',
  appliesTo: { pointKinds: ['zone_air_temperature_setpoint'] },
  min: 20,
  max: 24,
};
const warmupLock: InterlockRule = {
  kind: 'schedule',
  id: 'warmup-lock',
  label: 'morning warm-up',
  appliesTo: { buildingIds: ['B1'], pointIds: [zoneSetpoint.pointId] },
  lockId: 'morning-warmup',
};

const pairedCooling = (value: number): PairedSetpoint => ({
  zoneId: 'ZN-3',
  pointId: cooling.pointId,
  pointKind: 'cooling_setpoint',
  value,
});
const pairedHeating = (value: number): PairedSetpoint => ({
  zoneId: 'ZN-3',
  pointId: heating.pointId,
  pointKind: 'heating_setpoint',
  value,
});

interface Case {
  readonly name: string;
  readonly command: Partial<ControlCommandRequested>;
  readonly context?: Partial<DecisionContext>;
  readonly codes: readonly ReasonCode[];
  /** Fragments the joined messages must contain. */
  readonly says?: readonly string[];
}

const cases: readonly Case[] = [
  // Accepted
  { name: 'a value inside the limits', command: { value: 22 }, codes: [] },
  { name: 'the minimum itself', command: { value: 16 }, codes: [] },
  { name: 'the maximum itself', command: { value: 28 }, codes: [] },
  {
    name: 'a user at priority 8 (manual operator)',
    command: { priority: 8, requestedBy: 'user:alice' },
    codes: [],
  },
  { name: 'an expiry exactly the maximum 24 h ahead', command: { expiresAt: at(24 * 60) }, codes: [] },
  // unknown_point
  {
    name: 'an unregistered point',
    command: { pointId: 'ZN-9 SP' },
    context: { point: null },
    codes: ['unknown_point'],
    says: ['Point ZN-9 SP is not a registered control point'],
  },
  {
    name: 'a point of another building',
    command: { buildingId: 'B2' },
    codes: ['unknown_point'],
    says: ['belongs to building B1, not B2; send the command with buildingId B1'],
  },
  {
    name: 'a unit other than the point unit (value checks skipped)',
    command: { unit: 'percent', value: 50 },
    codes: ['unknown_point'],
    says: ['Point ZN-3 SP takes degC, not percent; resend the value in degC, from 16 to 28 degC.'],
  },
  // below_min / above_max
  {
    name: 'a value below the minimum',
    command: { value: 10 },
    codes: ['below_min'],
    says: ['Requested 10 degC is below the minimum 16 degC for point ZN-3 SP; request 16 degC or more.'],
  },
  {
    name: 'a value above the maximum',
    command: { value: 35 },
    codes: ['above_max'],
    says: ['Requested 35 degC is above the maximum 28 degC for point ZN-3 SP; request 28 degC or less.'],
  },
  { name: 'NaN', command: { value: Number.NaN }, codes: ['below_min'], says: ['is not a number'] },
  { name: '+Infinity', command: { value: Number.POSITIVE_INFINITY }, codes: ['above_max'] },
  // slew_limit
  {
    name: 'a change faster than the slew limit',
    command: { value: 26 },
    context: { current: { value: 22, at: at(-2) } },
    codes: ['slew_limit'],
    says: [
      'Requested 26 degC is 4 degC from the current 22 degC set 2 min earlier',
      '1 degC/min slew limit of point ZN-3 SP allows (2 degC)',
      `request from 20 to 24 degC now, or request 26 degC at or after ${at(2).toISOString()}.`,
    ],
  },
  {
    name: 'a change exactly at the slew limit',
    command: { value: 24 },
    context: { current: { value: 22, at: at(-2) } },
    codes: [],
  },
  {
    name: 'a change at the slew limit despite binary rounding (0.1 * 3)',
    command: { value: 22.3 },
    context: { point: { ...zoneSetpoint, maxChangePerMinute: 0.1 }, current: { value: 22, at: at(-3) } },
    codes: [],
  },
  {
    name: 'any change at the time the current value was set',
    command: { value: 22.5 },
    context: { current: { value: 22, at: T0 } },
    codes: ['slew_limit'],
    says: ['request 22 degC now'],
  },
  { name: 'no slew check without a current value', command: { value: 28 }, codes: [] },
  // setpoint_deadband
  {
    name: 'raising heating to within 0.5 degC of cooling',
    command: { pointId: heating.pointId, value: 23 },
    context: { point: heating, pairedSetpoint: pairedCooling(23.2) },
    codes: ['setpoint_deadband'],
    says: [
      'Heating setpoint 23 degC for point ZN-3 HTG would be less than 0.5 degC below the cooling setpoint 23.2 degC (point ZN-3 CLG, zone ZN-3); request 22.7 degC or less, or raise the cooling setpoint first.',
    ],
  },
  {
    name: 'heating exactly 0.5 degC below cooling',
    command: { pointId: heating.pointId, value: 22.7 },
    context: { point: heating, pairedSetpoint: pairedCooling(23.2) },
    codes: [],
  },
  {
    name: 'lowering cooling to within 0.5 degC of heating',
    command: { pointId: cooling.pointId, value: 21.2 },
    context: { point: cooling, pairedSetpoint: pairedHeating(21) },
    codes: ['setpoint_deadband'],
    says: ['request 21.5 degC or more, or lower the heating setpoint first.'],
  },
  {
    name: 'cooling exactly 0.5 degC above heating',
    command: { pointId: cooling.pointId, value: 21.5 },
    context: { point: cooling, pairedSetpoint: pairedHeating(21) },
    codes: [],
  },
  // occupancy_interlock
  {
    name: 'lighting below the floor while occupied',
    command: { pointId: lighting.pointId, unit: 'percent', value: 30 },
    context: { point: lighting, interlocks: { rules: [lightingFloor], occupied: true, scheduleLocks: [] } },
    codes: ['occupancy_interlock'],
    says: [
      "Requested 30 percent for point FL-2 LIGHT is outside the 50 percent or more that interlock 'occupied lighting floor' allows while building B1 is occupied; request 50 percent or more",
    ],
  },
  {
    name: 'lighting below the floor while unoccupied',
    command: { pointId: lighting.pointId, unit: 'percent', value: 30 },
    context: { point: lighting, interlocks: { rules: [lightingFloor], occupied: false, scheduleLocks: [] } },
    codes: [],
  },
  {
    name: 'lighting below the floor with occupancy unknown (treated as occupied)',
    command: { pointId: lighting.pointId, unit: 'percent', value: 30 },
    context: { point: lighting, interlocks: { rules: [lightingFloor], occupied: null, scheduleLocks: [] } },
    codes: ['occupancy_interlock'],
    says: ['occupancy is unknown (treated as occupied)'],
  },
  {
    name: 'a zone setpoint outside the comfort band while occupied',
    command: { value: 25 },
    context: { interlocks: { rules: [comfortBand], occupied: true, scheduleLocks: [] } },
    codes: ['occupancy_interlock'],
    says: ['request from 20 to 24 degC, or wait until the building is unoccupied.'],
  },
  {
    name: 'an interlock rule for other points',
    command: { value: 25 },
    context: { interlocks: { rules: [lightingFloor], occupied: true, scheduleLocks: [] } },
    codes: [],
  },
  // schedule_interlock
  {
    name: 'a point under an engaged schedule lock',
    command: {},
    context: {
      interlocks: {
        rules: [warmupLock],
        occupied: null,
        scheduleLocks: [{ lockId: 'morning-warmup', until: at(30) }],
      },
    },
    codes: ['schedule_interlock'],
    says: [
      `Point ZN-3 SP is locked by schedule lock 'morning-warmup' (interlock 'morning warm-up') until ${at(30).toISOString()}; retry after ${at(30).toISOString()}.`,
    ],
  },
  {
    name: 'a point under a lock held until released',
    command: {},
    context: {
      interlocks: {
        rules: [warmupLock],
        occupied: null,
        scheduleLocks: [{ lockId: 'morning-warmup', until: null }],
      },
    },
    codes: ['schedule_interlock'],
    says: ['retry after the lock is released'],
  },
  {
    name: 'a schedule lock that lapsed at the command time',
    command: {},
    context: {
      interlocks: {
        rules: [warmupLock],
        occupied: null,
        scheduleLocks: [{ lockId: 'morning-warmup', until: T0 }],
      },
    },
    codes: [],
  },
  // expiry
  {
    name: 'an expiry equal to the request time',
    command: { expiresAt: T0 },
    codes: ['expiry_in_past'],
    says: [`set expiresAt after ${T0.toISOString()} and no later than ${at(24 * 60).toISOString()}.`],
  },
  { name: 'an expiry before the request time', command: { expiresAt: at(-5) }, codes: ['expiry_in_past'] },
  {
    name: 'an expiry more than 24 h ahead',
    command: { expiresAt: at(48 * 60) },
    codes: ['expiry_missing'],
    says: ['is 48 h after the request, more than the maximum 24 h; set expiresAt no later than'],
  },
  { name: 'an invalid expiry', command: { expiresAt: new Date(Number.NaN) }, codes: ['expiry_missing'] },
  // priority
  {
    name: 'an agent at priority 8 (manual operator)',
    command: { priority: 8 },
    codes: ['priority_conflict'],
    says: [
      'Priority 8 (manual operator) is reserved: agents may write priorities 9 to 16; request a priority from 9 to 16.',
    ],
  },
  {
    name: 'a user at priority 1 (life safety)',
    command: { priority: 1, requestedBy: 'user:alice' },
    codes: ['priority_conflict'],
    says: ['Priority 1 (manual life safety) is reserved: users may write priorities 8 to 16'],
  },
  {
    name: 'an unknown principal at priority 8 (treated as agent)',
    command: { priority: 8, requestedBy: 'svc:x' },
    codes: ['priority_conflict'],
  },
  {
    name: 'priority 0',
    command: { priority: 0 },
    codes: ['priority_conflict'],
    says: ['is not a BACnet priority'],
  },
  { name: 'priority 17', command: { priority: 17 }, codes: ['priority_conflict'] },
  { name: 'priority 9.5', command: { priority: 9.5 }, codes: ['priority_conflict'] },
  {
    name: 'a point held at a higher priority by someone else',
    command: {},
    context: { activeCommands: [held()] },
    codes: ['priority_conflict'],
    says: [
      `Point ZN-3 SP is held at priority 8 by user:alice until ${at(30).toISOString()} (command held-1), which your priority 12 cannot override; retry after ${at(30).toISOString()}.`,
    ],
  },
  {
    name: 'a point held at the same priority by another agent',
    command: {},
    context: { activeCommands: [held({ priority: 12, requestedBy: 'agent:other' })] },
    codes: ['priority_conflict'],
    says: ['the same slot your priority 12 would overwrite'],
  },
  {
    name: 'two holders, each message naming the later release',
    command: { priority: 14 },
    context: {
      activeCommands: [
        held({ commandId: 'h2', priority: 12, requestedBy: 'agent:other', expiresAt: at(90) }),
        held(),
      ],
    },
    codes: ['priority_conflict', 'priority_conflict'],
    says: [
      `held at priority 8 by user:alice until ${at(30).toISOString()}`,
      `retry after ${at(90).toISOString()}`,
    ],
  },
  {
    name: 'a point held at a lower priority by someone else',
    command: {},
    context: { activeCommands: [held({ priority: 14, requestedBy: 'agent:other' })] },
    codes: [],
  },
  {
    name: "the requester's own command at a higher priority",
    command: {},
    context: { activeCommands: [held({ priority: 9, requestedBy: 'agent:energy-optimizer' })] },
    codes: [],
  },
  {
    name: 'a holder that expired at the command time',
    command: {},
    context: { activeCommands: [held({ expiresAt: T0 })] },
    codes: [],
  },
  // Several at once
  {
    name: 'above max, expiry in the past and a reserved priority together',
    command: { value: 35, expiresAt: at(-1), priority: 5 },
    codes: ['above_max', 'expiry_in_past', 'priority_conflict'],
    says: ['Priority 5 (critical equipment control) is reserved'],
  },
  {
    name: 'slew, comfort band, schedule lock and a holder together',
    command: { value: 27 },
    context: {
      current: { value: 22, at: at(-1) },
      interlocks: {
        rules: [comfortBand, warmupLock],
        occupied: true,
        scheduleLocks: [{ lockId: 'morning-warmup', until: null }],
      },
      activeCommands: [held()],
    },
    codes: ['slew_limit', 'occupancy_interlock', 'schedule_interlock', 'priority_conflict'],
  },
  {
    name: 'an unknown point with a bad expiry and priority (limits not guessed)',
    command: { pointId: 'nope', value: 1e6, expiresAt: T0, priority: 2 },
    context: { point: null },
    codes: ['unknown_point', 'expiry_in_past', 'priority_conflict'],
  },
];

describe('decideCommand', () => {
  it.each(cases)('$name -> [$codes]', (c) => {
    const cmd = command(c.command);
    const decision = decideCommand(cmd, context(c.context));
    expect(codes(decision)).toEqual(c.codes);
    expect(decision.decision).toBe(c.codes.length === 0 ? 'accepted' : 'rejected');
    for (const fragment of c.says ?? []) expect(messages(decision)).toContain(fragment);
    // Every message is one sentence that ends by saying what to do.
    for (const reason of decision.reasons ?? [])
      expect(reason.message).toMatch(/^[^.]*(\.\d[^.]*)*;[^;]*\.$/s);
  });

  it('derives the envelope from the command: derived eventId, event time, source, trace', () => {
    const cmd = command({
      traceContext: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    const decision = decideCommand(cmd, context());
    expect(decision).toEqual({
      eventId: derivedEventId('control-decision', cmd.commandId),
      occurredAt: cmd.occurredAt,
      source: CONTROL_SAFETY_SOURCE,
      commandId: cmd.commandId,
      buildingId: 'B1',
      pointId: 'ZN-3 SP',
      decision: 'accepted',
      reasons: [],
      traceContext: cmd.traceContext,
    });
    expect(CONTROL_SAFETY_SOURCE).toBe('eaio.processors.control-safety');
  });

  it('honours a policy with another deadband and maximum duration', () => {
    const policy = {
      ...DEFAULT_CONTROL_SAFETY_POLICY,
      setpointDeadband: 1,
      maxCommandDurationMs: 60 * 60_000,
    };
    const decision = decideCommand(
      command({ pointId: heating.pointId, value: 22.5, expiresAt: at(61) }),
      context({ point: heating, pairedSetpoint: pairedCooling(23.2) }),
      policy,
    );
    expect(codes(decision)).toEqual(['setpoint_deadband', 'expiry_missing']);
    expect(messages(decision)).toContain('request 22.2 degC or less');
  });
});

// ---------------------------------------------------------------------------------------------------
// The operator

const registered = (point: ControlPointRegistered): ControlSafetyInput => ({
  type: 'ControlPointRegistered',
  value: point,
});
const requested = (cmd: ControlCommandRequested): ControlSafetyInput => ({
  type: 'ControlCommandRequested',
  value: cmd,
});
const observed = (pointId: string, value: number, occurredAt: Date): ControlSafetyInput => ({
  type: 'PointValueObserved',
  value: { pointId, value, occurredAt, buildingId: 'B1' },
});

interface Summary {
  readonly commandId: string;
  readonly decision: string;
  readonly codes: readonly ReasonCode[];
}
const summary = (d: ControlDecision): Summary => ({
  commandId: d.commandId,
  decision: d.decision,
  codes: codes(d),
});

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

async function run(
  inputs: readonly ControlSafetyInput[],
  options: ControlSafetyOptions = {},
): Promise<ControlDecision[]> {
  return lastValueFrom(from(inputs).pipe(controlSafety(options), toArray()));
}

describe('controlSafety operator (marbles)', () => {
  it('folds registrations and emits one decision per command', () => {
    const ok = command({ value: 21 });
    const tooHot = command({ value: 35, occurredAt: at(5), expiresAt: at(65) });
    const unknown = command({ pointId: 'ZN-9 SP', occurredAt: at(6), expiresAt: at(66) });
    testScheduler().run(({ cold, expectObservable }) => {
      const inputs = cold<ControlSafetyInput>('a-b-c-d|', {
        a: registered(zoneSetpoint),
        b: requested(ok),
        c: requested(tooHot),
        d: requested(unknown),
      });
      expectObservable(inputs.pipe(controlSafety(), map(summary))).toBe('--x-y-z|', {
        x: { commandId: ok.commandId, decision: 'accepted', codes: [] },
        // 14 degC in 5 min from the accepted 21 also breaks the 1 degC/min slew limit.
        y: { commandId: tooHot.commandId, decision: 'rejected', codes: ['above_max', 'slew_limit'] },
        z: { commandId: unknown.commandId, decision: 'rejected', codes: ['unknown_point'] },
      });
    });
  });

  it('blocks an agent while a user holds priority 8, and accepts the same request after the hold expires in event time', () => {
    const operatorHold = command({ priority: 8, requestedBy: 'user:alice', value: 21, expiresAt: at(30) });
    const early = command({ priority: 12, value: 23, occurredAt: at(10), expiresAt: at(70) });
    const late = command({ priority: 12, value: 23, occurredAt: at(31), expiresAt: at(90) });
    testScheduler().run(({ cold, expectObservable }) => {
      const inputs = cold<ControlSafetyInput>('a-b-c-d|', {
        a: registered(zoneSetpoint),
        b: requested(operatorHold),
        c: requested(early),
        d: requested(late),
      });
      expectObservable(inputs.pipe(controlSafety(), map(summary))).toBe('--x-y-z|', {
        x: { commandId: operatorHold.commandId, decision: 'accepted', codes: [] },
        y: { commandId: early.commandId, decision: 'rejected', codes: ['priority_conflict'] },
        z: { commandId: late.commandId, decision: 'accepted', codes: [] },
      });
    });
  });

  it('frees a slot on a relinquished outcome before the expiry', () => {
    const hold = command({ priority: 10, requestedBy: 'agent:other', expiresAt: at(60) });
    const blocked = command({ occurredAt: at(1) });
    const after = command({ occurredAt: at(3) });
    testScheduler().run(({ cold, expectObservable }) => {
      const inputs = cold<ControlSafetyInput>('a-b-c-r-d|', {
        a: registered(zoneSetpoint),
        b: requested(hold),
        c: requested(blocked),
        r: {
          type: 'ControlOutcome',
          value: {
            eventId: derivedEventId('test-outcome', 1),
            occurredAt: at(2),
            source: 'bacnet-gw:test',
            commandId: hold.commandId,
            buildingId: 'B1',
            pointId: zoneSetpoint.pointId,
            outcome: 'relinquished',
          },
        },
        d: requested(after),
      });
      expectObservable(
        inputs.pipe(
          controlSafety(),
          map((d) => d.decision),
        ),
      ).toBe('--x-y---z|', {
        x: 'accepted',
        y: 'rejected',
        z: 'accepted',
      });
    });
  });
});

describe('controlSafety operator (state)', () => {
  it('measures slew from observed values and from accepted commands at once', async () => {
    const first = command({ value: 23, occurredAt: at(1) }); // 1 degC in 1 min from 22: allowed
    const burst = command({ value: 24, occurredAt: at(1.5) }); // 1 degC in 0.5 min from the accepted 23
    const later = command({ value: 24, occurredAt: at(2) }); // 1 degC in 1 min from 23
    const decisions = await run([
      registered(zoneSetpoint),
      observed(zoneSetpoint.pointId, 22, T0),
      observed(zoneSetpoint.pointId, 10, at(-10)), // out of order: ignored
      requested(first),
      requested(burst),
      requested(later),
    ]);
    expect(decisions.map(codes)).toEqual([[], ['slew_limit'], []]);
  });

  it('restores the previous value as the slew baseline when the write failed', async () => {
    const step = command({ value: 23, occurredAt: at(1) });
    const next = command({ value: 24, occurredAt: at(2) });
    const decisions = await run([
      registered(zoneSetpoint),
      observed(zoneSetpoint.pointId, 22, T0),
      requested(step),
      {
        type: 'ControlOutcome',
        value: {
          eventId: derivedEventId('test-outcome', 2),
          occurredAt: at(1.2),
          source: 'bacnet-gw:test',
          commandId: step.commandId,
          buildingId: 'B1',
          pointId: zoneSetpoint.pointId,
          outcome: 'failed',
        },
      },
      requested(next), // 2 degC in 2 min from the restored 22; from the failed 23 it would be 1 degC
      requested(command({ value: 27, occurredAt: at(2.5) })),
    ]);
    expect(decisions.map(codes)).toEqual([[], [], ['slew_limit']]);
  });

  it('keeps the deadband between paired setpoints in both directions', async () => {
    const decisions = await run([
      registered(heating),
      registered(cooling),
      {
        type: 'SetpointPairDeclared',
        value: {
          occurredAt: T0,
          buildingId: 'B1',
          zoneId: 'ZN-3',
          heatingPointId: heating.pointId,
          coolingPointId: cooling.pointId,
        },
      },
      observed(heating.pointId, 21, T0),
      observed(cooling.pointId, 24, T0),
      requested(command({ pointId: heating.pointId, value: 23.8, occurredAt: at(1) })),
      requested(command({ pointId: heating.pointId, value: 23.5, occurredAt: at(2) })),
      requested(command({ pointId: cooling.pointId, value: 23.9, occurredAt: at(3) })),
      requested(command({ pointId: cooling.pointId, value: 24.5, occurredAt: at(4) })),
    ]);
    expect(decisions.map(codes)).toEqual([['setpoint_deadband'], [], ['setpoint_deadband'], []]);
  });

  it('engages occupancy and schedule interlocks from the stream, lapsing locks in event time', async () => {
    const decisions = await run(
      [
        registered(zoneSetpoint),
        { type: 'OccupancyChanged', value: { occurredAt: T0, buildingId: 'B1', occupied: false } },
        requested(command({ value: 26, occurredAt: at(1) })),
        { type: 'OccupancyChanged', value: { occurredAt: at(2), buildingId: 'B1', occupied: true } },
        requested(command({ value: 26, occurredAt: at(3) })),
        {
          type: 'ScheduleLockChanged',
          value: {
            occurredAt: at(4),
            buildingId: 'B1',
            lockId: 'morning-warmup',
            locked: true,
            until: at(10),
          },
        },
        requested(command({ value: 23, occurredAt: at(5) })),
        requested(command({ value: 23, occurredAt: at(10) })),
      ],
      { interlocks: [comfortBand, warmupLock] },
    );
    expect(decisions.map(codes)).toEqual([[], ['occupancy_interlock'], ['schedule_interlock'], []]);
  });

  it('answers a redelivered command with the decision it already had', async () => {
    const cmd = command({ value: 23 });
    const decisions = await run([registered(zoneSetpoint), requested(cmd), requested(cmd)]);
    expect(decisions).toHaveLength(2);
    expect(decisions[1]).toBe(decisions[0]);
  });

  it('refuses a policy that lets agents write life safety priorities', () => {
    expect(() => controlSafety({ policy: { agentPriorities: { highest: 1, lowest: 16 } } })).toThrow(
      ControlSafetyPolicyError,
    );
    expect(() => controlSafety({ policy: { maxCommandDurationMs: 0 } })).toThrow(ControlSafetyPolicyError);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

/**
 * Mostly values in tenths (as people and agents write them, and where ties with the limits happen), some
 * arbitrary doubles for binary-rounding edge cases.
 */
const finite = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: min * 10, max: max * 10 }).map((n) => n / 10) },
    { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
  );

const setpointScenario = fc
  .record({
    kind: fc.constantFrom<ControlPointKind>(
      'heating_setpoint',
      'cooling_setpoint',
      'zone_air_temperature_setpoint',
    ),
    minValue: finite(5, 20),
    span: finite(0, 20),
    value: finite(0, 45),
    paired: fc.option(finite(5, 40), { nil: null }),
    current: fc.option(fc.record({ value: finite(5, 40), minutesAgo: finite(0, 60) }), { nil: null }),
    rate: fc.option(finite(0.1, 3), { nil: null }),
    priority: fc.integer({ min: 7, max: 16 }),
    expiresInMinutes: fc.integer({ min: -10, max: 25 * 60 }),
  })
  .map((s) => {
    const point = registration('P', s.kind, {
      minValue: s.minValue,
      maxValue: s.minValue + s.span,
      maxChangePerMinute: s.rate,
    });
    const pairedSetpoint: PairedSetpoint | null =
      s.paired === null || s.kind === 'zone_air_temperature_setpoint'
        ? null
        : s.kind === 'heating_setpoint'
          ? pairedCooling(s.paired)
          : pairedHeating(s.paired);
    return {
      cmd: command({ pointId: 'P', value: s.value, priority: s.priority, expiresAt: at(s.expiresInMinutes) }),
      ctx: context({
        point,
        pairedSetpoint,
        current: s.current === null ? null : { value: s.current.value, at: at(-s.current.minutesAgo) },
      }),
    };
  });

describe('decideCommand properties', () => {
  it('accepts only values within [min, max] that keep the 0.5 degC deadband (within 1e-9)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(setpointScenario, ({ cmd, ctx }) => {
        const decision = decideCommand(cmd, ctx);
        expect(decision.decision === 'accepted').toBe((decision.reasons ?? []).length === 0);
        if (decision.decision !== 'accepted') return;
        accepted += 1;
        const point = ctx.point;
        if (point === null) throw new Error('unreachable: an accepted command has a point');
        expect(cmd.value).toBeGreaterThanOrEqual(point.minValue);
        expect(cmd.value).toBeLessThanOrEqual(point.maxValue);
        const paired = ctx.pairedSetpoint;
        if (paired !== null) {
          const gap =
            point.pointKind === 'heating_setpoint' ? paired.value - cmd.value : cmd.value - paired.value;
          expect(gap).toBeGreaterThanOrEqual(0.5 - 1e-9);
        }
      }),
      // About 3.3 % of the scenarios are accepted: 5,000 runs accept ~165 (sd ~13), so the floor
      // below cannot trip by chance, as it did at 2,000 runs (~66 accepted, sd ~8).
      { numRuns: 5000 },
    );
    // The property means little if nothing is ever accepted.
    expect(accepted).toBeGreaterThan(50);
  });

  it('suggests values that the same rule then accepts (deadband, slew, limits)', () => {
    fc.assert(
      fc.property(setpointScenario, ({ cmd, ctx }) => {
        const decision = decideCommand(cmd, ctx);
        for (const reason of decision.reasons ?? []) {
          const suggestion =
            /request (?:from )?(-?\d+(?:\.\d+)?)(?: to (-?\d+(?:\.\d+)?))? degC(?: or (?:less|more)| now)/.exec(
              reason.message,
            );
          if (suggestion === null) continue;
          for (const text of [suggestion[1], suggestion[2]]) {
            if (text === undefined) continue;
            const retry = decideCommand({ ...cmd, value: Number(text) }, ctx);
            expect(codes(retry), `${reason.message} -> ${text}`).not.toContain(reason.code);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic: equal inputs give equal decisions, eventId included', () => {
    fc.assert(
      fc.property(setpointScenario, ({ cmd, ctx }) => {
        const first = decideCommand(cmd, ctx);
        const second = decideCommand(structuredClone(cmd), structuredClone(ctx));
        expect(second).toEqual(first);
        expect(second.eventId).toBe(derivedEventId('control-decision', cmd.commandId));
      }),
    );
  });

  it('the operator is a deterministic function of its input log', async () => {
    const logArb = fc
      .array(
        fc.record({
          minute: finite(0, 120),
          value: finite(10, 32),
          priority: fc.integer({ min: 7, max: 16 }),
          who: fc.constantFrom('agent:a', 'agent:b', 'user:alice'),
          lasts: fc.integer({ min: -5, max: 90 }),
          observation: fc.boolean(),
        }),
        { maxLength: 30 },
      )
      .map((steps) =>
        [...steps]
          .sort((a, b) => a.minute - b.minute)
          .map(
            (s, i): ControlSafetyInput =>
              s.observation
                ? observed(zoneSetpoint.pointId, s.value, at(s.minute))
                : requested(
                    command({
                      commandId: derivedEventId('prop-command', i),
                      value: s.value,
                      priority: s.priority,
                      requestedBy: s.who,
                      occurredAt: at(s.minute),
                      expiresAt: at(s.minute + s.lasts),
                    }),
                  ),
          ),
      );
    await fc.assert(
      fc.asyncProperty(logArb, async (log) => {
        const inputs = [registered(zoneSetpoint), ...log];
        const first = await run(inputs);
        const second = await run(structuredClone(inputs));
        expect(second).toEqual(first);
        expect(first).toHaveLength(log.filter((i) => i.type === 'ControlCommandRequested').length);
      }),
      { numRuns: 200 },
    );
  });
});
