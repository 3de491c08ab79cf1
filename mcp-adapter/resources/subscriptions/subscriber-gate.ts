import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../../../infra/logging/index.ts';
import { ALL_TENANTS, type Principal, seesTenant } from '../../access/index.ts';
import type { BuildingDirectory } from '../../building-directory.ts';
import type { ResourceChangeBus } from './redis-change-bus.ts';
import type { ResourceChange } from './resource-changes.ts';
import { buildingIdOfUri, isMeterUri } from './resource-uris.ts';

/**
 * Whether `who` may be told of `change`: only of buildings whose tenant it sees. An unknown building
 * and another tenant's are alike (nothing is delivered), so a subscription cannot probe ids. A change
 * of a meter that does not say its building is withheld from a tenant's principal (fail closed).
 */
export async function mayReceive(
  who: Principal | undefined,
  change: ResourceChange,
  directory: Pick<BuildingDirectory, 'tenantOf'>,
): Promise<boolean> {
  const { event } = change;
  const buildingId =
    change.buildingId ?? (event.kind === 'resource_updated' ? buildingIdOfUri(event.uri) : undefined);
  const scoped =
    change.tenantId !== undefined ||
    buildingId !== undefined ||
    (event.kind === 'resource_updated' && isMeterUri(event.uri));
  if (!scoped) return true;
  if (who === undefined) return false;
  if (who.tenant === ALL_TENANTS) return true;
  if (change.tenantId !== undefined) return seesTenant(who, change.tenantId);
  if (buildingId === undefined) return false;
  const tenant = await directory.tenantOf(buildingId);
  return tenant !== undefined && seesTenant(who, tenant);
}

/**
 * The principal of the request being served, for the SDK's `subscriptions/listen` router: it
 * registers each stream's listener on the bus from inside the request, after building the request's
 * server instance, so a listener registered there belongs to that request's principal.
 */
const servedSubscriber = new AsyncLocalStorage<Principal>();

/**
 * Marks the rest of the current request (its async continuation) as served for `who`. Called by the
 * server factory: the SDK gives the listen router no principal, and the factory is the one place
 * that sees both the request's principal and runs in its async context before the router subscribes.
 */
export function serveSubscriberAs(who: Principal): void {
  servedSubscriber.enterWith(who);
}

/** A listener of the SDK's bus that only hears what `who` may receive. */
function gatedListener(
  who: Principal | undefined,
  listener: (change: ResourceChange) => void,
  directory: Pick<BuildingDirectory, 'tenantOf'>,
  logger: Logger,
): (change: ResourceChange) => void {
  return (change) => {
    mayReceive(who, change, directory).then(
      (allowed) => {
        if (allowed) listener(change);
      },
      (error: unknown) =>
        logger.warn(
          { err: error, uri: 'uri' in change.event ? change.event.uri : undefined },
          'change not delivered: tenant unknown',
        ),
    );
  };
}

/** Subscribes `listener` to the changes `who` may receive. */
export function subscribeAs(
  changes: Pick<ResourceChangeBus, 'subscribe'>,
  who: Principal,
  listener: (change: ResourceChange) => void,
  directory: Pick<BuildingDirectory, 'tenantOf'>,
  logger: Logger,
): () => void {
  return changes.subscribe(gatedListener(who, listener, directory, logger));
}

/**
 * The SDK's `ServerEventBus` over the Redis change bus, gated per subscriber: each listen stream's
 * listener hears only the changes its principal may receive (see {@link serveSubscriberAs}). A
 * registration also refreshes the directory's tenant of the building. `publish` (the handler's
 * `notify` sugar) goes through Redis too, so every instance delivers it.
 */
export function createGatedServerEventBus(
  changes: ResourceChangeBus,
  directory: BuildingDirectory,
  logger: Logger,
): ServerEventBus {
  changes.subscribe((change) => {
    if (change.buildingId !== undefined && change.tenantId !== undefined)
      directory.remember(change.buildingId, change.tenantId);
  });
  return {
    publish(event) {
      changes
        .publish([{ event }])
        .catch((error: unknown) =>
          logger.warn({ err: error, kind: event.kind }, 'server event not published'),
        );
    },
    subscribe(listener) {
      return changes.subscribe(
        gatedListener(servedSubscriber.getStore(), (change) => listener(change.event), directory, logger),
      );
    },
  };
}
