import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../infra/config/index.ts';
import { groupTimeouts, transactionTimeout } from '../../infra/kafka/index.ts';

/** The broker's `transaction.max.timeout.ms` default: a producer asking for more is refused. */
const BROKER_MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** kafkajs's fixed defaults, which let one stalled member hold a group or a partition's readers for a minute. */
const KAFKAJS_DEFAULT_MS = 60_000;

describe('group timeouts derived from the session timeout', () => {
  const session = fc.integer({ min: 6_000, max: 300_000 });

  it('covers every session timeout the configuration accepts', () => {
    const shape = configSchema.shape.kafka.unwrap().shape.sessionTimeoutMs;
    expect(shape.safeParse(6_000).success).toBe(true);
    expect(shape.safeParse(300_000).success).toBe(true);
    expect(shape.safeParse(5_999).success).toBe(false);
    expect(shape.safeParse(300_001).success).toBe(false);
  });

  it('lets a rebalance wait two sessions, heartbeats ten times a session', () => {
    fc.assert(
      fc.property(session, (ms) => {
        const t = groupTimeouts(ms);
        expect(t.sessionTimeout).toBe(ms);
        expect(t.rebalanceTimeout).toBe(2 * ms);
        // A member gets several heartbeats in before its session is in doubt.
        expect(t.heartbeatInterval * 3).toBeLessThan(t.sessionTimeout);
        expect(t.heartbeatInterval).toBeGreaterThan(0);
      }),
    );
  });

  it('keeps a transaction open at most two sessions, within what the broker accepts', () => {
    fc.assert(
      fc.property(session, (ms) => {
        expect(transactionTimeout(ms)).toBe(2 * ms);
        expect(transactionTimeout(ms)).toBeLessThanOrEqual(BROKER_MAX_TRANSACTION_TIMEOUT_MS);
        // Longer than the session: the group moves a stalled member's partitions on first.
        expect(transactionTimeout(ms)).toBeGreaterThan(ms);
      }),
    );
  });

  it('is far below kafkajs defaults at the 6 s sessions of the tests, and equal at the 30 s default', () => {
    expect(groupTimeouts(6_000).rebalanceTimeout).toBe(12_000);
    expect(transactionTimeout(6_000)).toBe(12_000);
    expect(groupTimeouts(30_000).rebalanceTimeout).toBe(KAFKAJS_DEFAULT_MS);
    expect(transactionTimeout(30_000)).toBe(KAFKAJS_DEFAULT_MS);
  });
});
