import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ControlSafetyInput, controlSafety } from '../../processors/control-safety/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlPointKind,
  ControlPointRegistered,
  ControlUnit,
  ReasonCode,
} from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';

// 10,000 generated commands, each against its own generated registrations and point values, decided
// by the real operator (pure function calls, no broker) and judged by an oracle written from the rules
// as documented (docs/concepts.md, policy defaults), not from the implementation: the expected reason codes must
// be exactly the decision's, so every broken rule is named and every clean command is accepted.

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const MINUTE = 60_000;
const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);

// The documented defaults the oracle holds the processor to.
const DEADBAND = 0.5;
const MAX_AGE_MIN = 15;
const MAX_DURATION_MIN = 24 * 60;
const TOLERANCE = 1e-9;

type Shape = 'heating' | 'cooling' | 'zone' | 'onOff' | 'dimming' | 'damper';
const SHAPES: Record<Shape, { readonly kind: ControlPointKind; readonly unit: ControlUnit }> = {
  heating: { kind: 'heating_setpoint', unit: 'degC' },
  cooling: { kind: 'cooling_setpoint', unit: 'degC' },
  zone: { kind: 'zone_air_temperature_setpoint', unit: 'degC' },
  onOff: { kind: 'lighting_level', unit: 'boolean' },
  dimming: { kind: 'lighting_level', unit: 'percent' },
  damper: { kind: 'damper_position', unit: 'percent' },
};

interface Schedule {
  readonly timeZone: string;
  readonly daysOfWeek: readonly number[];
  readonly start: string;
  readonly end: string;
}

const validSchedule = fc.record({
  timeZone: fc.constantFrom('Europe/London', 'America/New_York', 'UTC', 'Asia/Tokyo'),
  daysOfWeek: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
  window: fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }))
    .filter(([a, b]) => a !== b),
});
const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A schedule with one defect, as a proposer might send it. */
const brokenSchedule: fc.Arbitrary<Schedule> = fc.constantFrom<Schedule>(
  { timeZone: 'Mars/Olympus_Mons', daysOfWeek: [1], start: '08:00', end: '18:00' },
  { timeZone: '+01:00', daysOfWeek: [1], start: '08:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [], start: '08:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [0, 1], start: '08:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [8], start: '08:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [2.5], start: '08:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [1], start: '8:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [1], start: '08:00', end: '24:00' },
  { timeZone: 'Europe/London', daysOfWeek: [1], start: '08:60', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [1], start: '18:00', end: '18:00' },
  { timeZone: 'Europe/London', daysOfWeek: [1], start: '18:00', end: '08:00' },
);

const scenarioArb = fc.record({
  shape: fc.constantFrom<Shape>('heating', 'cooling', 'zone', 'onOff', 'dimming', 'damper'),
  registeredAs: fc.constantFrom(
    'here',
    'here',
    'here',
    'here',
    'here',
    'here',
    'here',
    'here',
    'none',
    'elsewhere',
  ),
  // Limits: degC in tenths, percent in whole numbers.
  minK: fc.integer({ min: 0, max: 100 }),
  spanK: fc.integer({ min: 0, max: 150 }),
  rateK: fc.option(fc.integer({ min: 1, max: 20 }), { freq: 2 }),
  gateway: fc.boolean(),
  // How the commanded value relates to the limits.
  valueMode: fc.constantFrom(
    'inside',
    'inside',
    'inside',
    'inside',
    'inside',
    'inside',
    'below',
    'above',
    'nan',
  ),
  valueK: fc.integer({ min: 0, max: 10_000 }),
  outsideK: fc.integer({ min: 1, max: 50 }),
  unitMixUp: fc.integer({ min: 0, max: 19 }),
  observation: fc.option(
    fc.record({
      deltaK: fc.integer({ min: -30, max: 30 }),
      minutesAgo: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: MAX_AGE_MIN }) },
        { weight: 1, arbitrary: fc.integer({ min: MAX_AGE_MIN + 1, max: 60 }) },
      ),
      wrongUnit: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
    { freq: 6 },
  ),
  partner: fc.option(
    fc.record({
      gapK: fc.integer({ min: -10, max: 40 }),
      where: fc.constantFrom('zone', 'zone', 'zone', 'zone', 'otherZone', 'otherBuilding', 'noZone'),
      minutesAgo: fc.integer({ min: 0, max: 120 }),
    }),
    { freq: 3 },
  ),
  requestedBy: fc.constantFrom('agent:optimizer', 'user:alice'),
  priority: fc.oneof(
    { weight: 7, arbitrary: fc.integer({ min: 9, max: 16 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 5, 7, 8, 17, 12.5, -3) },
  ),
  expiry: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: MAX_DURATION_MIN }) },
    { weight: 1, arbitrary: fc.integer({ min: -60, max: 0 }) },
    { weight: 1, arbitrary: fc.integer({ min: MAX_DURATION_MIN + 1, max: 3 * MAX_DURATION_MIN }) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  ),
  schedule: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: validSchedule },
    { weight: 1, arbitrary: brokenSchedule },
  ),
  heartbeat: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.record({ okK: fc.integer({ min: 0, max: 1_000_000 }) }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -30, 'tooLong' as const) },
  ),
  minuteOfCommand: fc.integer({ min: 0, max: 600 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface World {
  readonly inputs: readonly ControlSafetyInput[];
  readonly command: ControlCommandRequested;
  readonly expected: ReadonlySet<ReasonCode>;
}

const OTHER_UNIT: Record<ControlUnit, ControlUnit> = {
  degC: 'percent',
  percent: 'degC',
  boolean: 'percent',
  rpm: 'degC',
  minutes: 'degC',
};

let worldSeq = 0;

/** Builds the log of one scenario and, independently of the processor, the codes it must yield. */
function world(s: Scenario): World {
  worldSeq += 1;
  const id = (what: string) => `${what}-${worldSeq}`;
  const { kind, unit } = SHAPES[s.shape];
  const scale = unit === 'degC' ? 10 : 1;
  let minValue: number;
  let maxValue: number;
  if (unit === 'boolean') {
    minValue = 0;
    maxValue = 1;
  } else if (unit === 'percent') {
    minValue = s.minK % 51;
    maxValue = Math.min(100, minValue + (s.spanK % 60));
  } else {
    minValue = 10 + s.minK / 10;
    maxValue = minValue + s.spanK / 10;
  }
  const rate = unit === 'boolean' || s.rateK === null ? null : s.rateK / scale;

  let value: number;
  if (s.valueMode === 'nan') value = Number.NaN;
  else if (s.valueMode === 'below') value = minValue - s.outsideK / scale;
  else if (s.valueMode === 'above') value = maxValue + s.outsideK / scale;
  else if (unit === 'boolean') value = [0, 1, 0.5, 1, 0][s.valueK % 5] as number;
  else {
    const steps = Math.round((maxValue - minValue) * scale);
    value = (Math.round(minValue * scale) + (s.valueK % (steps + 1))) / scale;
  }
  const commandUnit = s.unitMixUp === 0 ? OTHER_UNIT[unit] : unit;
  const cmdAt = s.minuteOfCommand;
  const durationMin = s.expiry;

  const pointId = id('p');
  const buildingId = 'B1';
  const zoneId = 'Z1';
  const point: ControlPointRegistered = {
    eventId: id('reg'),
    occurredAt: at(-1000),
    source: 'test',
    pointId,
    buildingId: s.registeredAs === 'elsewhere' ? 'B2' : buildingId,
    pointKind: kind,
    unit,
    minValue,
    maxValue,
    maxChangePerMinute: rate,
    brickClass: null,
    zoneId: s.shape === 'heating' || s.shape === 'cooling' ? zoneId : null,
    gatewayId: s.gateway ? 'modbus-gw:plant-1' : null,
  };
  const inputs: ControlSafetyInput[] = [];
  if (s.registeredAs !== 'none') inputs.push({ type: 'ControlPointRegistered', value: point });

  // The commanded point's device value, observedAt minutesAgo before the command.
  let observed: { value: number; at: number } | null = null;
  if (s.observation !== null) {
    const base = Number.isFinite(value) ? value : minValue;
    const obsValue = base + s.observation.deltaK / scale;
    const obsAt = cmdAt - s.observation.minutesAgo;
    inputs.push({
      type: 'PointValueObserved',
      value: {
        occurredAt: at(obsAt),
        buildingId,
        pointId,
        value: obsValue,
        unit: s.observation.wrongUnit ? 'rpm' : unit,
      },
    });
    if (!s.observation.wrongUnit) observed = { value: obsValue, at: obsAt };
  }

  // The zone's other setpoint, registered and reported (how stale it is does not matter for the band).
  let partnerValue: number | null = null;
  if (s.partner !== null && (s.shape === 'heating' || s.shape === 'cooling')) {
    const base = Number.isFinite(value) ? value : minValue;
    const gap = s.partner.gapK / 10;
    const other = s.shape === 'heating' ? base + gap : base - gap;
    const partnerId = id('partner');
    inputs.push({
      type: 'ControlPointRegistered',
      value: {
        ...point,
        eventId: id('partner-reg'),
        pointId: partnerId,
        buildingId: s.partner.where === 'otherBuilding' ? 'B2' : buildingId,
        pointKind: s.shape === 'heating' ? 'cooling_setpoint' : 'heating_setpoint',
        minValue: 0,
        maxValue: 50,
        zoneId: s.partner.where === 'otherZone' ? 'Z2' : s.partner.where === 'noZone' ? null : zoneId,
      },
    });
    inputs.push({
      type: 'PointValueObserved',
      value: {
        occurredAt: at(cmdAt - s.partner.minutesAgo),
        buildingId,
        pointId: partnerId,
        value: other,
        unit,
      },
    });
    if (s.partner.where === 'zone' && s.registeredAs === 'here') partnerValue = other;
  }

  const schedule =
    s.schedule === null
      ? null
      : 'window' in s.schedule
        ? {
            timeZone: s.schedule.timeZone,
            daysOfWeek: s.schedule.daysOfWeek,
            start: hhmm(Math.min(...s.schedule.window)),
            end: hhmm(Math.max(...s.schedule.window)),
          }
        : s.schedule;
  const durationS = Number.isFinite(durationMin) ? durationMin * 60 : Number.NaN;
  let heartbeatSeconds: number | null;
  if (s.heartbeat === null) heartbeatSeconds = null;
  else if (typeof s.heartbeat === 'object') {
    heartbeatSeconds = durationS > 0 ? 1 + (s.heartbeat.okK % durationS) : 60;
  } else if (s.heartbeat === 'tooLong') {
    heartbeatSeconds = durationS > 0 ? durationS + 1 : 60;
  } else heartbeatSeconds = s.heartbeat;

  const command: ControlCommandRequested = {
    eventId: id('cmd-event'),
    occurredAt: at(cmdAt),
    source: 'property-test',
    commandId: id('cmd'),
    buildingId,
    pointId,
    value,
    unit: commandUnit,
    priority: s.priority,
    expiresAt: Number.isFinite(durationMin) ? at(cmdAt + durationMin) : new Date(Number.NaN),
    requestedBy: s.requestedBy,
    reason: null,
    schedule,
    heartbeatSeconds,
  };
  inputs.push({ type: 'ControlCommandRequested', value: command });

  // ---- The oracle: the rules as documented.
  const expected = new Set<ReasonCode>();
  const known = s.registeredAs === 'here';
  if (!known || commandUnit !== unit) expected.add('unknown_point');
  if (known && commandUnit === unit) {
    if (Number.isNaN(value) || value < minValue) expected.add('below_min');
    else if (value > maxValue) expected.add('above_max');
    else if (unit === 'boolean' && value !== 0 && value !== 1) expected.add('below_min');
    if (Number.isFinite(value) && rate !== null && observed !== null) {
      const allowed = rate * Math.max(0, cmdAt - observed.at);
      if (Math.abs(value - observed.value) > allowed + TOLERANCE) expected.add('slew_limit');
    }
    if (Number.isFinite(value) && partnerValue !== null) {
      const gap = s.shape === 'heating' ? partnerValue - value : value - partnerValue;
      if (gap < DEADBAND - TOLERANCE) expected.add('setpoint_deadband');
    }
  }
  if (known && s.gateway && (observed === null || cmdAt - observed.at > MAX_AGE_MIN)) {
    expected.add('stale_value');
  }
  if (Number.isNaN(durationMin) || durationMin > MAX_DURATION_MIN) expected.add('expiry_missing');
  else if (durationMin <= 0) expected.add('expiry_in_past');
  const lowestAllowed = s.requestedBy.startsWith('user:') ? 8 : 9;
  if (!Number.isInteger(s.priority) || s.priority < lowestAllowed || s.priority > 16) {
    expected.add('priority_conflict');
  }
  if (schedule !== null) {
    const known = ['Europe/London', 'America/New_York', 'UTC', 'Asia/Tokyo'].includes(schedule.timeZone);
    const daysOk =
      schedule.daysOfWeek.length > 0 &&
      schedule.daysOfWeek.every((d) => Number.isInteger(d) && d >= 1 && d <= 7);
    const clock = (t: string) => {
      const m = /^(\d\d):(\d\d)$/.exec(t);
      return m === null || Number(m[1]) > 23 || Number(m[2]) > 59 ? null : Number(m[1]) * 60 + Number(m[2]);
    };
    const start = clock(schedule.start);
    const end = clock(schedule.end);
    if (!known || !daysOk || start === null || end === null || end <= start) expected.add('schedule_invalid');
  }
  if (
    heartbeatSeconds !== null &&
    (heartbeatSeconds <= 0 || (durationS > 0 && heartbeatSeconds > durationS))
  ) {
    expected.add('schedule_invalid');
  }
  return { inputs, command, expected };
}

/** Runs the operator over a log, synchronously: `from` an array emits at subscription. */
function decide(inputs: readonly ControlSafetyInput[]): ControlDecision[] {
  const out: ControlDecision[] = [];
  from(inputs)
    .pipe(controlSafety())
    .subscribe((d) => out.push(d));
  return out;
}

describe('10,000 generated commands against generated registrations and point values', () => {
  it('rejects every command that breaks a rule with that rule code, accepts every other, deterministically', () => {
    const seen = new Map<ReasonCode | 'accepted', number>();
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { inputs, command, expected } = world(scenario);
        const [decision, ...rest] = decide(inputs);
        expect(rest).toEqual([]);
        if (decision === undefined) throw new Error('no decision for the command');
        const codes = new Set((decision.reasons ?? []).map((r) => r.code));
        expect([...codes].sort(), JSON.stringify(decision.reasons)).toEqual([...expected].sort());
        expect(decision.decision).toBe(expected.size === 0 ? 'accepted' : 'rejected');
        for (const reason of decision.reasons ?? []) expect(reason.message.length).toBeGreaterThan(20);
        // Same log, fresh operator: the same decision, eventId included.
        expect(decide(structuredClone(inputs))).toEqual([decision]);
        expect(decision.eventId).toBe(derivedEventId('control-decision', command.commandId));
        for (const code of expected.size === 0 ? (['accepted'] as const) : expected) {
          seen.set(code, (seen.get(code) ?? 0) + 1);
        }
      }),
      { numRuns: 10_000 },
    );
    // The generator must reach every rule often enough for the property to mean something.
    for (const code of [
      'accepted',
      'unknown_point',
      'below_min',
      'above_max',
      'slew_limit',
      'setpoint_deadband',
      'stale_value',
      'expiry_missing',
      'expiry_in_past',
      'priority_conflict',
      'schedule_invalid',
    ] as const) {
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(100);
    }
  });
});
