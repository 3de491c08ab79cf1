import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../infra/logging/index.ts';
import { createRedis } from '../../infra/redis/index.ts';
import { buildingUri, type ResourceChange, resourceChangesChannel } from '../../mcp-adapter/index.ts';
import {
  createRedisChangeBus,
  type ResourceChangeBus,
} from '../../mcp-adapter/resources/subscriptions/index.ts';
import { createTcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait-for.ts';

const logger = createLogger({ level: 'silent', component: 'test:change-bus' });
const updated = (id: string): ResourceChange => ({
  event: { kind: 'resource_updated', uri: buildingUri(id) },
  buildingId: id,
});
const heardIds = (heard: readonly ResourceChange[]) => heard.map((c) => c.buildingId);

describe('resource changes over Redis pub/sub', () => {
  const clients: Redis[] = [];
  const buses: ResourceChangeBus[] = [];
  const redisUrl = inject('endpoints').redisUrl;
  const open = (keyPrefix: string, url = redisUrl) => {
    const redis = createRedis({ url, keyPrefix });
    redis.on('error', () => undefined);
    clients.push(redis);
    const bus = createRedisChangeBus({ redis, logger });
    buses.push(bus);
    return { redis, bus };
  };

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    for (const redis of clients) redis.disconnect();
  });

  it('a change published by one instance reaches the listeners of every instance of the same prefix, and no other', async () => {
    const prefix = `test:bus_${randomBytes(3).toString('hex')}:`;
    const one = open(prefix);
    const two = open(prefix);
    const other = open(`${prefix}other:`);
    await Promise.all([one.bus.ready, two.bus.ready, other.bus.ready]);
    const heardOne: ResourceChange[] = [];
    const heardTwo: ResourceChange[] = [];
    const heardOther: ResourceChange[] = [];
    one.bus.subscribe((c) => heardOne.push(c));
    two.bus.subscribe((c) => heardTwo.push(c));
    other.bus.subscribe((c) => heardOther.push(c));

    await other.bus.publish([updated('elsewhere')]);
    // Not a change: dropped with a warning, the listeners carry on.
    await one.redis.publish(resourceChangesChannel(one.redis), '{"event":{"kind":"drop_tables"}}');
    await one.bus.publish([updated('a'), updated('b')]);
    await waitFor('both instances hear a and b', async () =>
      heardIds(heardOne).length === 2 && heardIds(heardTwo).length === 2 ? true : undefined,
    );
    expect(heardIds(heardOne)).toEqual(['a', 'b']);
    expect(heardIds(heardTwo)).toEqual(['a', 'b']);
    expect(heardIds(heardOther)).toEqual(['elsewhere']);
    expect(resourceChangesChannel(one.redis)).toBe(`${prefix}mcp:resource-changes`);
  });

  it('an instance started while Redis is down listens once Redis is back', async () => {
    const url = new URL(redisUrl);
    const proxy = await createTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    try {
      proxy.cut();
      const prefix = `test:bus_${randomBytes(3).toString('hex')}:`;
      const late = open(prefix, `redis://${proxy.host}:${proxy.port}`);
      await expect(late.bus.ready).rejects.toThrow();
      const heard: ResourceChange[] = [];
      late.bus.subscribe((c) => heard.push(c));
      proxy.restore();
      const publisher = open(prefix);
      await publisher.bus.ready;
      let n = 0;
      // Published until heard: pub/sub keeps nothing for a listener that is not subscribed yet.
      await waitFor(
        'the late instance hears a change',
        async () => {
          await publisher.bus.publish([updated(`b${n++}`)]);
          return heard.length > 0 ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(heard[0]?.event.kind).toBe('resource_updated');
    } finally {
      await proxy.close();
    }
  });
});
