import type { ServerEvent } from '@modelcontextprotocol/server';
import type { Redis } from 'ioredis';
import type { Logger } from '../../../infra/logging/index.ts';
import type { ResourceChange } from './resource-changes.ts';

/** The channel of resource changes, under the Redis key prefix (ioredis does not prefix channels). */
export function resourceChangesChannel(redis: Redis): string {
  return `${redis.options.keyPrefix ?? ''}mcp:resource-changes`;
}

/**
 * Publishes resource changes to every adapter instance on the Redis of `redis`: one message per
 * change, sent in one round trip. What the projector calls after a batch commits.
 */
export interface ResourceChangePublisher {
  publish(changes: readonly ResourceChange[]): Promise<void>;
}

export function createResourceChangePublisher(redis: Redis): ResourceChangePublisher {
  const channel = resourceChangesChannel(redis);
  return {
    async publish(changes) {
      if (changes.length === 0) return;
      const pipeline = redis.pipeline();
      for (const change of changes) pipeline.publish(channel, JSON.stringify(change));
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed?.[0]) throw failed[0];
    },
  };
}

/** Resource changes from every process, delivered to this process's listeners. */
export interface ResourceChangeBus extends ResourceChangePublisher {
  /** Registers a listener of every change published on the channel, by any process; returns its removal. */
  subscribe(listener: (change: ResourceChange) => void): () => void;
  /** Resolves once the subscriber connection listens: changes published after it are delivered. */
  readonly ready: Promise<void>;
  /** Stops listening and closes the subscriber connection. */
  close(): Promise<void>;
}

const KINDS = new Set<ServerEvent['kind']>([
  'tools_list_changed',
  'prompts_list_changed',
  'resources_list_changed',
  'resource_updated',
]);

/** A change read off the channel, or undefined when the message is not one. */
export function parseResourceChange(message: string): ResourceChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { event, buildingId, tenantId } = value as Record<string, unknown>;
  if (typeof event !== 'object' || event === null) return undefined;
  const { kind, uri } = event as Record<string, unknown>;
  if (typeof kind !== 'string' || !KINDS.has(kind as ServerEvent['kind'])) return undefined;
  if (kind === 'resource_updated' && typeof uri !== 'string') return undefined;
  if (buildingId !== undefined && typeof buildingId !== 'string') return undefined;
  if (tenantId !== undefined && typeof tenantId !== 'string') return undefined;
  return value as ResourceChange;
}

/**
 * Resource changes carried by Redis pub/sub, so a change the projector publishes reaches the
 * subscribers of every adapter instance. Listening takes a connection of its own (a subscribed
 * connection can run no other command), duplicated from `redis`; ioredis re-subscribes it after a
 * reconnect. Changes published while it is disconnected are lost, as pub/sub does not keep them:
 * a subscriber re-reads the resource when it reconnects.
 */
export function createRedisChangeBus({ redis, logger }: { redis: Redis; logger: Logger }): ResourceChangeBus {
  const channel = resourceChangesChannel(redis);
  const publisher = createResourceChangePublisher(redis);
  const listeners = new Set<(change: ResourceChange) => void>();
  const subscriber = redis.duplicate();
  subscriber.on('error', (error: unknown) => logger.warn({ err: error }, 'resource change subscriber error'));
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const change = parseResourceChange(message);
    if (change === undefined) {
      logger.warn({ channel, message: message.slice(0, 200) }, 'not a resource change; dropped');
      return;
    }
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        logger.warn({ err: error }, 'resource change listener failed');
      }
    }
  });
  let listening = false;
  const listen = () =>
    subscriber.subscribe(channel).then(() => {
      listening = true;
    });
  const ready = listen();
  // Awaited by whoever needs it; an unobserved failure must not crash the process.
  ready.catch((error: unknown) =>
    logger.error({ err: error, channel }, 'resource changes not subscribed yet; retried on reconnect'),
  );
  // ioredis re-subscribes what it had subscribed after a reconnect; a SUBSCRIBE that failed (Redis
  // down at start) is not among those, so it is retried here once the connection is back.
  subscriber.on('ready', () => {
    if (!listening)
      listen().catch((error: unknown) =>
        logger.error({ err: error, channel }, 'resource changes not subscribed'),
      );
  });
  return {
    publish: publisher.publish,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    ready,
    async close() {
      listeners.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
