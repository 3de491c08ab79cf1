import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { activeLatestReadingsKeyspace } from '../../projections/index.ts';
import { percentile } from '../percentile.ts';

/** A reading whose arrival in the read models is timed: its natural key and when it was sent. */
export interface MarkedReading {
  readonly meterId: string;
  readonly occurredAtMs: number;
  /** Wall clock (ms) just before the producer was handed the reading. */
  readonly sentAtMs: number;
}

/** Count and nearest-rank p50/p99/max of latencies in ms (NaN when there are none). */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function summariseLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

/** What one read model shows per pending mark: whether it is visible there yet. */
type VisibilityProbe = (marks: readonly MarkedReading[]) => Promise<readonly boolean[]>;

/**
 * Redis: the meter's latest hash holds this reading or a later one (the projector applies a meter's
 * readings in log order, so a later one there means this one was applied too).
 */
function redisProbe(redis: Redis): VisibilityProbe {
  return async (marks) => {
    const keyspace = await activeLatestReadingsKeyspace(redis);
    if (keyspace === undefined) return marks.map(() => false);
    const pipeline = redis.pipeline();
    for (const m of marks) pipeline.hget(keyspace.key('meter', m.meterId, 'latest'), 'occurredAt');
    const results = (await pipeline.exec()) ?? [];
    return marks.map((m, i) => {
      const [error, value] = results[i] ?? [null, null];
      return error === null && typeof value === 'string' && Number(value) >= m.occurredAtMs;
    });
  };
}

/** Postgres: the readings read model has the row of the reading's natural key. */
function postgresProbe(pool: pg.Pool): VisibilityProbe {
  return async (marks) => {
    const { rows } = await pool.query<{ i: number }>(
      `SELECT m.i FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS m(meter_id, occurred_at, i)
        WHERE EXISTS (SELECT 1 FROM readings r WHERE r.meter_id = m.meter_id AND r.occurred_at = m.occurred_at)`,
      [marks.map((m) => m.meterId), marks.map((m) => new Date(m.occurredAtMs))],
    );
    const seen = new Set(rows.map((r) => Number(r.i) - 1));
    return marks.map((_, i) => seen.has(i));
  };
}

/** Polls one read model for its pending marks, recording sent-to-visible for each as it shows up. */
class ProbeLoop {
  readonly latencies: number[] = [];
  private pending: MarkedReading[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly probe: VisibilityProbe,
    intervalMs: number,
  ) {
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.pending.length > 0) {
          const marks = this.pending;
          const visible = await this.probe(marks).catch(() => marks.map(() => false));
          const now = Date.now();
          const still: MarkedReading[] = [];
          marks.forEach((m, i) => {
            if (visible[i]) this.latencies.push(now - m.sentAtMs);
            else still.push(m);
          });
          // Marks added while the probe ran go after the ones still pending.
          this.pending = [...still, ...this.pending.slice(marks.length)];
        }
        await delay(intervalMs);
      }
    })();
  }

  add(marks: readonly MarkedReading[]): void {
    this.pending.push(...marks);
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Forgets the marks still pending (they count as unseen) and returns how many there were. */
  drop(): number {
    const n = this.pending.length;
    this.pending = [];
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Event-to-Redis and event-to-Postgres latency of marked readings, by polling both read models. */
export interface LatencyPoller {
  add(marks: readonly MarkedReading[]): void;
  /** Marks not yet visible in Redis or in Postgres. */
  pending(): number;
  /** The latencies since the last call and the marks never seen, then starts afresh. */
  take(): { redis: LatencySummary; postgres: LatencySummary; redisUnseen: number; postgresUnseen: number };
  stop(): Promise<void>;
}

export function startLatencyPoller(
  redis: Redis,
  pool: pg.Pool,
  { redisIntervalMs = 10, postgresIntervalMs = 25 } = {},
): LatencyPoller {
  const toRedis = new ProbeLoop(redisProbe(redis), redisIntervalMs);
  const toPostgres = new ProbeLoop(postgresProbe(pool), postgresIntervalMs);
  return {
    add(marks) {
      toRedis.add(marks);
      toPostgres.add(marks);
    },
    pending: () => toRedis.waiting + toPostgres.waiting,
    take() {
      const figures = {
        redis: summariseLatencies(toRedis.latencies),
        postgres: summariseLatencies(toPostgres.latencies),
        redisUnseen: toRedis.drop(),
        postgresUnseen: toPostgres.drop(),
      };
      toRedis.latencies.length = 0;
      toPostgres.latencies.length = 0;
      return figures;
    },
    async stop() {
      await Promise.all([toRedis.stop(), toPostgres.stop()]);
    },
  };
}
