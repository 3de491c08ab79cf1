/** A consumer group member's timeouts, all derived from one configured session timeout. */
export interface GroupTimeouts {
  /** How long the coordinator keeps a member that stopped heartbeating. */
  readonly sessionTimeout: number;
  /** How often a member heartbeats: a tenth of the session, so a few lost heartbeats are survived. */
  readonly heartbeatInterval: number;
  /**
   * How long a rebalance waits for every member to rejoin. kafkajs's default is a fixed 60 s, and
   * a member that never rejoins (one stalled in a handler, or the ghost of a consumer that crashed
   * mid-rebalance and came back under a new member id) holds the whole group for that long.
   * Twice the session timeout: a member finishing an ordinary batch still makes it back in time.
   */
  readonly rebalanceTimeout: number;
}

/** Multiple of the session timeout a rebalance waits for and a transaction may stay open. */
const SESSIONS = 2;

/** The timeouts of a consumer whose session timeout is `sessionTimeoutMs` (see {@link GroupTimeouts}). */
export function groupTimeouts(sessionTimeoutMs: number): GroupTimeouts {
  return {
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
    rebalanceTimeout: SESSIONS * sessionTimeoutMs,
  };
}

/**
 * How long a transactional producer's transaction may stay open before the broker aborts it and
 * fences the producer. kafkajs's default is a fixed 60 s, during which the output partitions'
 * last stable offset is held, so read-committed consumers see nothing past a stalled or hung
 * writer's transaction. Twice the session timeout, the same bound as the rebalance: by then the
 * group has moved the writer's partitions to another member, whose own producer fences it anyway.
 * Kafka refuses a timeout above the broker's `transaction.max.timeout.ms` (15 minutes by default),
 * which the largest session timeout the configuration allows (5 minutes) stays under.
 */
export function transactionTimeout(sessionTimeoutMs: number): number {
  return SESSIONS * sessionTimeoutMs;
}
