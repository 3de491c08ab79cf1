import { type McpServer, ResourceNotFoundError, type ServerEventBus } from '@modelcontextprotocol/server';
import type { Redis } from 'ioredis';
import type { Logger } from '../../../infra/logging/index.ts';
import type { QueryLayer } from '../../../projections/index.ts';
import { type Principal, seesTenant } from '../../access/index.ts';
import { type BuildingDirectory, createBuildingDirectory } from '../../building-directory.ts';
import { createRedisChangeBus, type ResourceChangeBus } from './redis-change-bus.ts';
import type { ResourceChange } from './resource-changes.ts';
import { buildingIdOfUri } from './resource-uris.ts';
import { createGatedServerEventBus, serveSubscriberAs, subscribeAs } from './subscriber-gate.ts';

/** How a server instance is being served, which decides how its subscriptions are delivered. */
export interface ServedConnection {
  readonly principal: Principal;
  readonly era: 'legacy' | 'modern';
  /**
   * `http`: one instance per request (`createMcpHandler`); `persistent`: one instance for the whole
   * connection (stdio, or a transport a test connects).
   */
  readonly connection: 'http' | 'persistent';
}

/**
 * Resource subscriptions of one adapter process, carried through Redis so a change the projector
 * publishes reaches subscribers on every instance:
 * - Streamable HTTP, 2026-07-28 era: `subscriptions/listen` streams, served by the SDK's handler from
 *   {@link ResourceSubscriptions.bus} (pass it to `startMcpHttpServer`), each hearing what its
 *   principal may see.
 * - stdio (and any persistent connection): the instance itself sends `notifications/resources/updated`;
 *   in the 2025 era for the URIs the client subscribed with `resources/subscribe`, in the 2026 era
 *   for everything its principal may see, which the SDK's stdio entry filters by the listen streams.
 * - Streamable HTTP, 2025 era: served statelessly (no session, no stream to deliver on), so the
 *   `subscribe` capability is not advertised there.
 */
export interface ResourceSubscriptions {
  /** The SDK's change-event bus: `createMcpHandler(factory, { bus })`. */
  readonly bus: ServerEventBus;
  /** Resolves once this process listens on Redis. */
  readonly ready: Promise<void>;
  /** Adds to a server instance what its connection needs; call after its resources are registered. */
  attach(server: McpServer, served: ServedConnection): void;
  close(): Promise<void>;
}

export interface ResourceSubscriptionsDeps {
  /** The platform's Redis: changes travel on a channel under its key prefix. */
  readonly redis: Redis;
  /** Where a building's tenant is looked up, to gate each change. */
  readonly queries: Pick<QueryLayer, 'buildingTenant' | 'buildingIds'>;
  readonly logger: Logger;
  /** A directory to share (tests, or a process that has one); one over `queries` by default. */
  readonly directory?: BuildingDirectory;
}

export function createResourceSubscriptions(deps: ResourceSubscriptionsDeps): ResourceSubscriptions {
  const logger = deps.logger;
  const directory = deps.directory ?? createBuildingDirectory(deps.queries);
  const changes: ResourceChangeBus = createRedisChangeBus({ redis: deps.redis, logger });
  const bus = createGatedServerEventBus(changes, directory, logger);
  return {
    bus,
    ready: changes.ready,
    attach(server, served) {
      if (served.connection === 'http') {
        if (served.era === 'legacy') return;
        server.server.registerCapabilities({ resources: { subscribe: true } });
        serveSubscriberAs(served.principal);
        return;
      }
      server.server.registerCapabilities({ resources: { subscribe: true } });
      deliverOnConnection(server, served, changes, directory, logger);
    },
    close: () => changes.close(),
  };
}

/** A persistent connection's instance sends the notifications itself, until it closes. */
function deliverOnConnection(
  server: McpServer,
  { principal, era }: ServedConnection,
  changes: ResourceChangeBus,
  directory: BuildingDirectory,
  logger: Logger,
): void {
  const subscribed = era === 'legacy' ? legacySubscriptions(server, principal, directory) : undefined;
  const sent = (what: string) => (error: unknown) =>
    logger.warn({ err: error, notification: what }, 'notification not sent');
  const deliver = ({ event }: ResourceChange) => {
    if (!server.isConnected()) return;
    switch (event.kind) {
      case 'resource_updated':
        if (subscribed !== undefined && !subscribed.has(event.uri)) return;
        server.server.sendResourceUpdated({ uri: event.uri }).catch(sent(event.kind));
        return;
      case 'resources_list_changed':
        server.sendResourceListChanged();
        return;
      case 'tools_list_changed':
        server.sendToolListChanged();
        return;
      case 'prompts_list_changed':
        server.sendPromptListChanged();
        return;
    }
  };
  const unsubscribe = subscribeAs(changes, principal, deliver, directory, logger);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    unsubscribe();
    previous?.();
  };
}

/**
 * The 2025 era's `resources/subscribe` and `resources/unsubscribe`: the URIs this connection asked
 * for. A building the caller does not see is refused exactly as an unknown one; every change is
 * gated again on delivery (a meter's building is known only then).
 */
function legacySubscriptions(
  server: McpServer,
  principal: Principal,
  directory: BuildingDirectory,
): ReadonlySet<string> {
  const uris = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    const { uri } = request.params;
    const buildingId = buildingIdOfUri(uri);
    if (buildingId !== undefined) {
      const tenant = await directory.tenantOf(buildingId);
      if (tenant === undefined || !seesTenant(principal, tenant))
        throw new ResourceNotFoundError(uri, `No building '${buildingId}' is known.`);
    }
    uris.add(uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    uris.delete(request.params.uri);
    return {};
  });
  return uris;
}
