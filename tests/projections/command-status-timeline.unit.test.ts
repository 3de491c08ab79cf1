import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commandStatusOf, type TimelineEntry } from '../../projections/index.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 11, 6, 10, minute));
type Entry = TimelineEntry & { eventId: string };
const blank = {
  source: 'test',
  reasons: null,
  deviceMessage: null,
  actor: null,
  action: null,
  note: null,
  value: null,
  priority: null,
  readBack: null,
  cause: null,
  ignored: null,
  sourcePartition: 0,
  sourceOffset: '0',
} as const;
const request = (m: number): Entry => ({
  ...blank,
  eventId: randomUUID(),
  status: 'requested',
  occurredAt: t(m),
  actor: 'user:alice',
  sourceTopic: 'controlCommands',
});
const decided = (m: number, verdict: 'accepted' | 'rejected'): Entry => ({
  ...blank,
  eventId: randomUUID(),
  status: verdict,
  occurredAt: t(m),
  sourceTopic: 'controlDecisions',
});
const act = (m: number, action: 'approve' | 'refuse' | 'cancel', actor: string): Entry => ({
  ...blank,
  eventId: randomUUID(),
  status: action === 'approve' ? 'approved' : action === 'refuse' ? 'approval_refused' : 'cancel_requested',
  occurredAt: t(m),
  actor,
  action,
  sourceTopic: 'controlActions',
});
const outcome = (
  m: number,
  status: 'acknowledged' | 'relinquished' | 'expired',
  cause: 'expiry' | 'schedule_window_end' | 'approval_refused' | null = null,
): Entry => ({
  ...blank,
  eventId: randomUUID(),
  status,
  occurredAt: t(m),
  cause,
  sourceTopic: 'controlOutcomes',
});

describe('a command read from its timeline', () => {
  it('awaits approval when accepted on a point that needs it; the proposer’s own approval is shown and ignored', () => {
    const read = commandStatusOf('user:alice', true, [
      request(0),
      decided(1, 'accepted'),
      act(2, 'approve', 'user:alice'),
    ]);
    expect(read.status).toBe('awaiting_approval');
    expect(read.approval).toBeNull();
    expect(read.timeline[2]?.ignored).toContain('proposer');
    expect(commandStatusOf('user:alice', false, [request(0), decided(1, 'accepted')]).status).toBe(
      'accepted',
    );
  });

  it('counts only the first approval decision of another principal', () => {
    const read = commandStatusOf('user:alice', true, [
      request(0),
      decided(1, 'accepted'),
      act(2, 'refuse', 'user:bob'),
      act(3, 'approve', 'user:carol'),
    ]);
    expect(read.status).toBe('approval_refused');
    expect(read.ended).toBe(true);
    expect(read.approval).toMatchObject({ action: 'refuse', actor: 'user:bob' });
    expect(read.timeline[3]?.ignored).toContain('already taken by user:bob');
  });

  it('a rejection ends the command whatever an approver said', () => {
    const read = commandStatusOf('user:alice', true, [
      request(0),
      act(1, 'approve', 'user:bob'),
      decided(2, 'rejected'),
    ]);
    expect(read).toMatchObject({ status: 'rejected', ended: true });
  });

  it('a scheduled command cycles between written and relinquished at window ends, and ends at expiry', () => {
    const cycle = [
      request(0),
      decided(1, 'accepted'),
      outcome(2, 'acknowledged'),
      outcome(10, 'relinquished', 'schedule_window_end'),
      outcome(20, 'acknowledged'),
    ];
    expect(commandStatusOf('user:alice', false, cycle)).toMatchObject({
      status: 'acknowledged',
      ended: false,
    });
    expect(commandStatusOf('user:alice', false, cycle.slice(0, 4))).toMatchObject({
      status: 'relinquished',
      ended: false,
    });
    const expired = commandStatusOf('user:alice', false, [...cycle, outcome(30, 'relinquished', 'expiry')]);
    expect(expired).toMatchObject({ status: 'relinquished', ended: true, at: t(30) });
    // Order of arrival does not matter: an earlier window-end relinquish never beats the final one.
    const shuffled = commandStatusOf('user:alice', false, [
      outcome(30, 'relinquished', 'expiry'),
      ...cycle.reverse(),
    ]);
    expect(shuffled).toMatchObject({ status: 'relinquished', ended: true, at: t(30) });
  });

  it('a cancel only joins the timeline; the outcome it leads to ends the command', () => {
    const read = commandStatusOf('user:alice', true, [
      request(0),
      decided(1, 'accepted'),
      act(2, 'cancel', 'user:alice'),
      outcome(3, 'expired', null),
    ]);
    expect(read).toMatchObject({ status: 'expired', ended: true });
    expect(read.timeline.map((e) => e.status)).toEqual([
      'requested',
      'accepted',
      'cancel_requested',
      'expired',
    ]);
  });
});
