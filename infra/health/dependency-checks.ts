import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import type { ConsumerLagReader } from '../kafka/index.ts';
import type { HealthCheck } from './health-check.ts';

/** Kafka answers a metadata request (`describeCluster`) with at least one broker. */
export function kafkaCheck(admin: Pick<Admin, 'describeCluster'>, name = 'kafka'): HealthCheck {
  return {
    name,
    async check() {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('the cluster reports no brokers');
    },
  };
}

/** The schema registry lists its subjects (`GET <url>/subjects` answers 2xx). */
export function registryCheck(registryUrl: string, name = 'schema-registry'): HealthCheck {
  const url = `${registryUrl.replace(/\/+$/, '')}/subjects`;
  return {
    name,
    async check(signal) {
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      // Drain the body so the connection is released back to the pool.
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`GET /subjects answered ${response.status} ${response.statusText}`);
    },
  };
}

/** Redis answers `PING` with `PONG`. */
export function redisCheck(redis: Pick<Redis, 'ping'>, name = 'redis'): HealthCheck {
  return {
    name,
    async check() {
      const answer = await redis.ping();
      if (answer !== 'PONG') throw new Error(`PING answered '${answer}'`);
    },
  };
}

/** PostgreSQL runs `SELECT 1`. */
export function postgresCheck(pool: Pick<pg.Pool, 'query'>, name = 'postgres'): HealthCheck {
  return {
    name,
    async check() {
      await pool.query('SELECT 1');
    },
  };
}

/**
 * Every watched partition is at most `maxLag` messages behind. The reason names the worst
 * partitions, so a probe's body says where the backlog is.
 */
export function consumerLagCheck(
  reader: ConsumerLagReader,
  maxLag: number,
  name = 'consumer-lag',
): HealthCheck {
  return {
    name,
    async check() {
      const behind = (await reader.read())
        .filter((p) => p.lag > BigInt(maxLag))
        .sort((a, b) => (b.lag > a.lag ? 1 : b.lag < a.lag ? -1 : 0));
      if (behind.length === 0) return;
      const worst = behind
        .slice(0, 3)
        .map((p) => `${p.group} ${p.topic}[${p.partition}] is ${p.lag} behind`)
        .join('; ');
      const more = behind.length > 3 ? ` (and ${behind.length - 3} more partitions)` : '';
      throw new Error(`${worst}${more}; the limit is ${maxLag}`);
    },
  };
}
