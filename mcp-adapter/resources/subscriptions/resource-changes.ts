import type { ServerEvent } from '@modelcontextprotocol/server';
import { DEFAULT_TENANT, type ProjectionEvent } from '../../../projections/index.ts';
import {
  type BuildingRegistered,
  type EventTypeName,
  type SensorReading,
  TOPICS,
  type TopicKey,
} from '../../../schemas/index.ts';
import { buildingUri, meterLatestUri } from './resource-uris.ts';

/**
 * A change of the resources one batch made, as it travels between processes: the SDK's event and
 * what decides who may receive it (the building it concerns, or the tenant a new building joined).
 */
export interface ResourceChange {
  readonly event: ServerEvent;
  /** The building the changed resource belongs to; a subscriber must see its tenant. */
  readonly buildingId?: string;
  /** The tenant of the change when the event itself says it (a building's registration). */
  readonly tenantId?: string;
}

/**
 * The resource changes a projected batch makes, each once: a newer reading updates its building
 * (`eaio://buildings/{id}` shows each meter's latest value) and its meter (`eaio://meters/{id}/latest`);
 * a registration updates the building and changes the list of buildings of its tenant. One change
 * per resource per batch, however many readings it carried. By the event's type, as the cache tags
 * are, so a topic that carries a known type needs no change here.
 */
export function resourceChangesOf(events: Iterable<ProjectionEvent<TopicKey>>): ResourceChange[] {
  const changes = new Map<string, ResourceChange>();
  const add = (key: string, change: ResourceChange) => {
    if (!changes.has(key)) changes.set(key, change);
  };
  for (const e of events) {
    const type: EventTypeName = TOPICS[e.topic].valueType;
    if (type === 'SensorReading') {
      const { buildingId, meterId } = e.event as SensorReading;
      const building = buildingUri(buildingId);
      const meter = meterLatestUri(meterId);
      add(building, { event: { kind: 'resource_updated', uri: building }, buildingId });
      add(meter, { event: { kind: 'resource_updated', uri: meter }, buildingId });
    } else if (type === 'BuildingRegistered') {
      const { buildingId, tenantId } = e.event as BuildingRegistered;
      const tenant = tenantId ?? DEFAULT_TENANT;
      const building = buildingUri(buildingId);
      add(building, { event: { kind: 'resource_updated', uri: building }, buildingId, tenantId: tenant });
      add(`list:${tenant}`, { event: { kind: 'resources_list_changed' }, tenantId: tenant });
    }
  }
  return [...changes.values()];
}
