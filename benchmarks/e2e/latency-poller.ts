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

/**
 * The latest event time one read model shows per meter (absent: none yet). The projector applies a
 * meter's readings in log order and the benchmark produces each meter's readings in event-time
 * order, so a mark is visible once its meter's latest event time has reached the mark's. Asking per
 * meter, not per mark, keeps the polling cost bounded by the fleet, however far behind the pipeline is.
 */
type LatestProbe = (meterIds: readonly string[]) => Promise<ReadonlyMap<string, number>>;

/** Redis: the `occurredAt` of each meter's latest hash in the active generation. */
function redisProbe(redis: Redis): LatestProbe {
  return async (meterIds) => {
    const latest = new Map<string, number>();
    const keyspace = await activeLatestReadingsKeyspace(redis);
    if (keyspace === undefined) return latest;
    const pipeline = redis.pipeline();
    for (const id of meterIds) pipeline.hget(keyspace.key('meter', id, 'latest'), 'occurredAt');
    const results = (await pipeline.exec()) ?? [];
    meterIds.forEach((id, i) => {
      const [error, value] = results[i] ?? [null, null];
      if (error === null && typeof value === 'string') latest.set(id, Number(value));
    });
    return latest;
  };
}

/** Postgres: each meter's latest row in the readings read model (its key's index answers it). */
function postgresProbe(pool: pg.Pool): LatestProbe {
  return async (meterIds) => {
    const { rows } = await pool.query<{ meter_id: string; at: Date }>(
      `SELECT m.meter_id, (SELECT max(r.occurred_at) FROM readings r WHERE r.meter_id = m.meter_id) AS at
         FROM unnest($1::text[]) AS m(meter_id)`,
      [meterIds],
    );
    return new Map(rows.filter((r) => r.at !== null).map((r) => [r.meter_id, r.at.getTime()]));
  };
}

/** Polls one read model for its pending marks, recording sent-to-visible for each as it shows up. */
class ProbeLoop {
  readonly latencies: number[] = [];
  private pending: MarkedReading[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly probe: LatestProbe,
    intervalMs: number,
  ) {
    this.loop = (async () => {
      while (!this.stopped) {
        if (this.pending.length > 0) {
          const marks = this.pending;
          const latest = await this.probe([...new Set(marks.map((m) => m.meterId))]).catch(
            () => new Map<string, number>(),
          );
          const now = Date.now();
          const still: MarkedReading[] = [];
          for (const m of marks) {
            if ((latest.get(m.meterId) ?? Number.NEGATIVE_INFINITY) >= m.occurredAtMs)
              this.latencies.push(now - m.sentAtMs);
            else still.push(m);
          }
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
