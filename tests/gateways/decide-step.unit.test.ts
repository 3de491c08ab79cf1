import { describe, expect, it } from 'vitest';
import type { ControlCommandRequested, ControlOutcome } from '../../schemas/index.ts';
import {
  type CommandEvent,
  type CommandState,
  type ControlAction,
  decideStep,
  type ExecutorPoint,
  emptyCommand,
  foldCommand,
  type GatewayConditions,
  insideWindow,
  outcomeEvent,
} from '../../sources/gateways/command-executor/index.ts';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0); // a Monday, 10:00 UTC
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const point: ExecutorPoint = { pointId: 'p1', buildingId: 'b1', requiresApproval: false };
const approvalPoint: ExecutorPoint = { ...point, requiresApproval: true, approvalTimeoutSeconds: 60 };

function request(over: Partial<ControlCommandRequested> = {}): ControlCommandRequested {
  return {
    eventId: 'r1',
    occurredAt: at(0),
    source: 'test',
    commandId: 'c1',
    buildingId: 'b1',
    pointId: 'p1',
    value: 22,
    unit: 'degC',
    priority: 8,
    expiresAt: at(600),
    requestedBy: 'user:alice',
    reason: null,
    schedule: null,
    heartbeatSeconds: null,
    ...over,
  };
}

function fold(...events: CommandEvent[]): CommandState {
  return events.reduce(foldCommand, emptyCommand('c1'));
}
const req = (over: Partial<ControlCommandRequested> = {}): CommandEvent => ({
  kind: 'request',
  event: request(over),
});
const decision = (verdict: 'accepted' | 'rejected' = 'accepted'): CommandEvent => ({
  kind: 'decision',
  event: {
    eventId: `d-${verdict}`,
    occurredAt: at(1),
    source: 'control-safety',
    commandId: 'c1',
    buildingId: 'b1',
    pointId: 'p1',
    decision: verdict,
    reasons: [],
  },
});
let actionSeq = 0;
const action = (kind: ControlAction['action'], actor: string, seconds: number): CommandEvent => ({
  kind: 'action',
  event: {
    eventId: `a${actionSeq++}`,
    occurredAt: at(seconds),
    source: 'test',
    commandId: 'c1',
    buildingId: 'b1',
    pointId: 'p1',
    action: kind,
    actor,
    reason: null,
  },
});
function outcome(
  state: CommandState,
  o: ControlOutcome['outcome'],
  cause: ControlOutcome['cause'] = null,
): CommandEvent {
  return { kind: 'outcome', event: outcomeEvent(state, 'gw', { outcome: o, cause: cause ?? null }, at(2)) };
}

const ok = (seconds: number, over: Partial<GatewayConditions> = {}): GatewayConditions => ({
  mode: 'read-write',
  connected: true,
  fresh: true,
  heldThisRun: false,
  now: at(seconds),
  ...over,
});

describe('decideStep: the control loop at the gateway as a pure function', () => {
  it('writes only a command with an accepted decision', () => {
    expect(decideStep(fold(req()), point, ok(5))).toBeNull();
    expect(decideStep(fold(req(), decision('rejected')), point, ok(5))).toBeNull();
    expect(decideStep(fold(decision('accepted')), point, ok(5))).toBeNull();
    expect(decideStep(fold(req(), decision()), point, ok(5))).toEqual({ kind: 'write', rewrite: false });
  });

  it('fails closed: read-only, disconnected and stale are refused with their cause, never written', () => {
    const s = fold(req(), decision());
    expect(decideStep(s, point, ok(5, { mode: 'read-only' }))).toMatchObject({
      kind: 'close',
      outcome: 'refused',
      cause: 'gateway_unavailable',
    });
    expect(decideStep(s, point, ok(5, { connected: false }))).toMatchObject({
      outcome: 'refused',
      cause: 'gateway_unavailable',
    });
    expect(decideStep(s, point, ok(5, { fresh: false }))).toMatchObject({
      outcome: 'refused',
      cause: 'stale_value',
    });
  });

  it('acknowledged: holds until expiry, then relinquishes; nothing after the relinquish', () => {
    let s = fold(req(), decision());
    s = foldCommand(s, outcome(s, 'acknowledged'));
    expect(decideStep(s, point, ok(100, { heldThisRun: true }))).toBeNull();
    expect(decideStep(s, point, ok(600, { heldThisRun: true }))).toEqual({
      kind: 'relinquish',
      cause: 'expiry',
    });
    s = foldCommand(s, outcome(s, 'relinquished', 'expiry'));
    expect(decideStep(s, point, ok(700))).toBeNull();
  });

  it('restart: rewrites an active held command, relinquishes one that expired while down', () => {
    let s = fold(req(), decision());
    s = foldCommand(s, outcome(s, 'acknowledged'));
    expect(decideStep(s, point, ok(100, { heldThisRun: false }))).toEqual({ kind: 'write', rewrite: true });
    // Not while stale: wait for a fresh read (the expiry still ends it).
    expect(decideStep(s, point, ok(100, { fresh: false }))).toBeNull();
    expect(decideStep(s, point, ok(900, { heldThisRun: false, connected: false }))).toEqual({
      kind: 'relinquish',
      cause: 'expiry',
    });
  });

  it('expiry before the write: expired, cause expiry, nothing written', () => {
    expect(decideStep(fold(req(), decision()), point, ok(600))).toMatchObject({
      kind: 'close',
      outcome: 'expired',
      cause: 'expiry',
    });
  });

  it('cancel before the write -> expired cancelled; after -> relinquished cancelled', () => {
    const before = fold(req(), decision(), action('cancel', 'user:alice', 3));
    expect(decideStep(before, point, ok(5))).toMatchObject({ outcome: 'expired', cause: 'cancelled' });
    let s = fold(req(), decision());
    s = foldCommand(s, outcome(s, 'acknowledged'));
    s = foldCommand(s, action('cancel', 'user:bob', 30));
    expect(decideStep(s, point, ok(31, { heldThisRun: true }))).toEqual({
      kind: 'relinquish',
      cause: 'cancelled',
    });
  });

  it('approval: waits, ignores the proposer, writes once a second principal approves', () => {
    const waiting = fold(req(), decision(), action('approve', 'user:alice', 2));
    expect(decideStep(waiting, approvalPoint, ok(10))).toBeNull();
    const approved = foldCommand(waiting, action('approve', 'user:bob', 20));
    expect(decideStep(approved, approvalPoint, ok(21))).toEqual({ kind: 'write', rewrite: false });
    // Approval still has to pass the fail-closed checks.
    expect(decideStep(approved, approvalPoint, ok(21, { fresh: false }))).toMatchObject({
      outcome: 'refused',
    });
  });

  it('approval refused -> expired approval_refused; timed out -> expired approval_timeout', () => {
    const refused = fold(req(), decision(), action('refuse', 'user:bob', 5));
    expect(decideStep(refused, approvalPoint, ok(6))).toMatchObject({
      outcome: 'expired',
      cause: 'approval_refused',
    });
    const none = fold(req(), decision());
    expect(decideStep(none, approvalPoint, ok(59))).toBeNull();
    expect(decideStep(none, approvalPoint, ok(60))).toMatchObject({
      outcome: 'expired',
      cause: 'approval_timeout',
    });
    // An approval made after the deadline (the gateway was down) does not count.
    const late = foldCommand(none, action('approve', 'user:bob', 61));
    expect(decideStep(late, approvalPoint, ok(62))).toMatchObject({ cause: 'approval_timeout' });
    // The gateway default applies when the point gives none.
    const noTimeout = { ...approvalPoint, approvalTimeoutSeconds: undefined };
    expect(decideStep(none, noTimeout, ok(299))).toBeNull();
    expect(decideStep(none, noTimeout, ok(300))).toMatchObject({ cause: 'approval_timeout' });
  });

  it('heartbeat: relinquished after 2 x heartbeatSeconds without one from the proposer', () => {
    let s = fold(req({ heartbeatSeconds: 10 }), decision());
    s = foldCommand(s, outcome(s, 'acknowledged'));
    const held = ok(0, { heldThisRun: true });
    expect(decideStep(s, point, { ...held, now: at(20) })).toBeNull();
    expect(decideStep(s, point, { ...held, now: at(21) })).toEqual({
      kind: 'relinquish',
      cause: 'heartbeat_lost',
    });
    // Someone else's heartbeat does not keep it alive; the proposer's does.
    const other = foldCommand(s, action('heartbeat', 'user:mallory', 15));
    expect(decideStep(other, point, { ...held, now: at(21) })).toMatchObject({ cause: 'heartbeat_lost' });
    const beat = foldCommand(s, action('heartbeat', 'user:alice', 15));
    expect(decideStep(beat, point, { ...held, now: at(34) })).toBeNull();
    expect(decideStep(beat, point, { ...held, now: at(36) })).toMatchObject({ cause: 'heartbeat_lost' });
  });

  it('schedule: written at the window start, relinquished at its end, written again next window', () => {
    // Mondays 11:00-12:00 in Berlin (UTC+1 in December): 10:00-11:00 UTC.
    const schedule = { timeZone: 'Europe/Berlin', daysOfWeek: [1], start: '11:00', end: '12:00' };
    let s = fold(req({ schedule, expiresAt: at(8 * 86_400) }), decision());
    expect(decideStep(s, point, ok(-60))).toBeNull(); // 09:59 UTC: before the window
    expect(decideStep(s, point, ok(0))).toEqual({ kind: 'write', rewrite: false });
    s = foldCommand(s, outcome(s, 'acknowledged'));
    expect(decideStep(s, point, ok(3599, { heldThisRun: true }))).toBeNull();
    expect(decideStep(s, point, ok(3600, { heldThisRun: true }))).toEqual({
      kind: 'relinquish',
      cause: 'schedule_window_end',
    });
    s = foldCommand(s, outcome(s, 'relinquished', 'schedule_window_end'));
    expect(decideStep(s, point, ok(86_400))).toBeNull(); // Tuesday: not a window day
    expect(decideStep(s, point, ok(7 * 86_400))).toEqual({ kind: 'write', rewrite: false });
    // Expiry between windows: expired, nothing held.
    expect(decideStep(s, point, ok(8 * 86_400))).toMatchObject({ outcome: 'expired', cause: 'expiry' });
  });

  it('folding is idempotent and outcome ids are deterministic', () => {
    const s = fold(req(), decision());
    const o = outcome(s, 'acknowledged');
    const once = foldCommand(s, o);
    expect(foldCommand(once, o)).toBe(once);
    expect(outcome(s, 'acknowledged').event.eventId).toBe(o.event.eventId);
    expect(outcome(once, 'relinquished', 'expiry').event.eventId).not.toBe(o.event.eventId);
  });
});

describe('insideWindow reads the schedule on its zone wall clock', () => {
  const w = { timeZone: 'America/New_York', daysOfWeek: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' };
  it('across the offset', () => {
    expect(insideWindow(w, new Date('2026-12-07T13:00:00Z'))).toBe(true); // Mon 08:00 EST
    expect(insideWindow(w, new Date('2026-12-07T12:59:00Z'))).toBe(false);
    expect(insideWindow(w, new Date('2026-12-07T23:00:00Z'))).toBe(false); // 18:00: end excluded
    expect(insideWindow(w, new Date('2026-12-12T15:00:00Z'))).toBe(false); // Saturday
    expect(insideWindow(w, new Date('2026-07-06T12:00:00Z'))).toBe(true); // Mon 08:00 EDT
  });
});
