import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import {
  authoriseControlAction,
  buildControlCommandAction,
  buildControlCommandRequested,
  type CommandForAction,
  ControlActionRefusedError,
  controlEventKey,
  parseArguments,
  proposeControlCommandArguments,
} from '../../processors/index.ts';

const at = new Date('2026-12-06T10:00:00Z');
const origin = { principal: 'user:alice', source: 'test', at };
const base = { buildingId: 'B1', pointId: 'zone-1-sp', value: 21.5, unit: 'degC' };

const parse = (input: unknown) => parseArguments(proposeControlCommandArguments, input, 'propose');

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EaioError);
    expect((error as EaioError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('proposal arguments', () => {
  it('default the priority to the highest the principal may use, and derive the expiry from durationMinutes', () => {
    const args = parse({ ...base, durationMinutes: 30 });
    expect(args.priority).toBeUndefined();
    const event = buildControlCommandRequested(args, origin);
    // People may use 8-16 and agents 9-16 under the default safety policy.
    expect(event.priority).toBe(8);
    expect(buildControlCommandRequested(args, { ...origin, principal: 'agent:optimizer' }).priority).toBe(9);
    expect(event.expiresAt.toISOString()).toBe('2026-12-06T10:30:00.000Z');
    expect(event.requestedBy).toBe('user:alice');
    expect(event.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.schedule).toBeNull();
    expect(event.heartbeatSeconds).toBeNull();
    expect(controlEventKey(event)).toBe('B1/zone-1-sp');
  });

  it('take an ISO expiry with a zone', () => {
    const event = buildControlCommandRequested(
      parse({ ...base, expiresAt: '2026-12-06T12:00:00+01:00' }),
      origin,
    );
    expect(event.expiresAt.toISOString()).toBe('2026-12-06T11:00:00.000Z');
  });

  it.each([
    [{ ...base, durationMinutes: 30, priority: 0 }, /priority/],
    [{ ...base, durationMinutes: 30, priority: 17 }, /priority/],
    [{ ...base, durationMinutes: 30, unit: 'kelvin' }, /unit/],
    [{ ...base, durationMinutes: -5 }, /durationMinutes/],
    [{ ...base, durationMinutes: 30, value: Number.NaN }, /value/],
    [{ ...base, expiresAt: 'tomorrow' }, /expiresAt/],
    [{ ...base, durationMinutes: 30, buildingId: '' }, /buildingId/],
    [{ ...base, durationMinutes: 30, heartbeatSeconds: 1 }, /heartbeatSeconds/],
    [
      { ...base, durationMinutes: 30, schedule: { daysOfWeek: [1], start: '9:00', end: '17:00' } },
      /schedule\.start/,
    ],
    [
      { ...base, durationMinutes: 30, schedule: { daysOfWeek: [8], start: '09:00', end: '17:00' } },
      /daysOfWeek/,
    ],
    [
      { ...base, durationMinutes: 30, schedule: { daysOfWeek: [1, 1], start: '09:00', end: '17:00' } },
      /twice/,
    ],
    [
      { ...base, durationMinutes: 30, schedule: { daysOfWeek: [1], start: '18:00', end: '17:00' } },
      /schedule\.end/,
    ],
    [
      {
        ...base,
        durationMinutes: 30,
        schedule: { timeZone: 'Mars/Base', daysOfWeek: [1], start: '09:00', end: '17:00' },
      },
      /IANA/,
    ],
  ])('refuse %j naming the field', (input, field) => {
    expect(problem(() => parse(input))).toMatch(field);
  });

  it('need exactly one of durationMinutes and expiresAt, in the future', () => {
    expect(problem(() => buildControlCommandRequested(parse(base), origin))).toMatch(
      /durationMinutes or expiresAt/,
    );
    expect(
      problem(() =>
        buildControlCommandRequested(
          parse({ ...base, durationMinutes: 5, expiresAt: '2026-12-07T00:00:00Z' }),
          origin,
        ),
      ),
    ).toMatch(/not both/);
    expect(
      problem(() =>
        buildControlCommandRequested(parse({ ...base, expiresAt: '2026-12-06T09:00:00Z' }), origin),
      ),
    ).toMatch(/not in the future/);
  });

  it("give a schedule the building's time zone when it names none, days sorted", () => {
    const args = parse({
      ...base,
      durationMinutes: 600,
      schedule: { daysOfWeek: [5, 1, 3], start: '08:00', end: '18:00' },
    });
    const event = buildControlCommandRequested(args, origin, { buildingTimeZone: 'Europe/London' });
    expect(event.schedule).toEqual({
      timeZone: 'Europe/London',
      daysOfWeek: [1, 3, 5],
      start: '08:00',
      end: '18:00',
    });
    expect(problem(() => buildControlCommandRequested(args, origin))).toMatch(/schedule.timeZone/);
  });

  it('build an action naming its actor', () => {
    const action = buildControlCommandAction(
      { commandId: 'c1', buildingId: 'B1', pointId: 'p1' },
      'approve',
      { ...origin, principal: 'user:bob' },
      'ok by me',
    );
    expect(action).toMatchObject({
      commandId: 'c1',
      action: 'approve',
      actor: 'user:bob',
      reason: 'ok by me',
    });
    expect(controlEventKey(action)).toBe('B1/p1');
  });
});

describe('authoriseControlAction', () => {
  const command: CommandForAction = {
    commandId: 'c1',
    requestedBy: 'user:alice',
    status: 'awaiting_approval',
    ended: false,
    requiresApproval: true,
    approvalDecided: false,
    heartbeatSeconds: 60,
  };
  const refusal = (fn: () => void): string => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ControlActionRefusedError);
      return (error as ControlActionRefusedError).refusal;
    }
    return 'allowed';
  };
  const alice = { principal: 'user:alice', mayApprove: true };
  const bob = { principal: 'user:bob', mayApprove: true };
  const carol = { principal: 'user:carol', mayApprove: false };

  it('let a second approver approve or refuse, never the proposer, an operator or twice', () => {
    expect(refusal(() => authoriseControlAction('approve', bob, command))).toBe('allowed');
    expect(refusal(() => authoriseControlAction('refuse', bob, command))).toBe('allowed');
    expect(refusal(() => authoriseControlAction('approve', alice, command))).toBe('self_approval');
    expect(refusal(() => authoriseControlAction('approve', carol, command))).toBe('not_approver');
    expect(refusal(() => authoriseControlAction('approve', bob, { ...command, approvalDecided: true }))).toBe(
      'already_decided',
    );
    expect(
      refusal(() => authoriseControlAction('approve', bob, { ...command, requiresApproval: false })),
    ).toBe('approval_not_needed');
  });

  it('let the proposer or an approver cancel, and only the proposer heartbeat', () => {
    expect(refusal(() => authoriseControlAction('cancel', alice, command))).toBe('allowed');
    expect(refusal(() => authoriseControlAction('cancel', bob, command))).toBe('allowed');
    expect(refusal(() => authoriseControlAction('cancel', carol, command))).toBe('not_proposer');
    expect(refusal(() => authoriseControlAction('heartbeat', alice, command))).toBe('allowed');
    expect(refusal(() => authoriseControlAction('heartbeat', bob, command))).toBe('not_proposer');
    expect(
      refusal(() => authoriseControlAction('heartbeat', alice, { ...command, heartbeatSeconds: null })),
    ).toBe('no_heartbeat');
  });

  it('refuse every action on an ended command or one whose request is not projected', () => {
    for (const action of ['approve', 'refuse', 'cancel', 'heartbeat'] as const) {
      expect(refusal(() => authoriseControlAction(action, bob, { ...command, ended: true }))).toBe(
        'already_ended',
      );
      expect(refusal(() => authoriseControlAction(action, bob, { ...command, requestedBy: null }))).toBe(
        'request_unknown',
      );
    }
  });
});
