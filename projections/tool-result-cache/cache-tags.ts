import {
  type BuildingRegistered,
  type EventTypeName,
  type EventTypes,
  type ReadingAggregate,
  TOPICS,
  type TopicKey,
} from '../../schemas/index.ts';
import type { ProjectionEvent } from '../projection.ts';

/** Tag of answers about a building's data (readings, anomalies, meters, points, registration). */
export const buildingTag = (buildingId: string): string => `building:${buildingId}`;
/**
 * Tag of answers that depend on a building's registration only (time zone, weather station): a
 * weather answer reached through a building carries this one, not {@link buildingTag}, so the
 * building's readings do not evict it.
 */
export const buildingInfoTag = (buildingId: string): string => `building-info:${buildingId}`;
/**
 * Tag of answers that compare buildings (a building's rank among its peers): any building's
 * consumption or registration can change them.
 */
export const PORTFOLIO_TAG = 'portfolio';
/**
 * Tag of answers listing buildings (the directory): only a registration can change them, so unlike
 * {@link PORTFOLIO_TAG} a building's rollups leave them alone.
 */
export const BUILDING_REGISTRY_TAG = 'building-registry';
/** Tag of answers about a weather station's observations or forecasts. */
export const stationTag = (stationId: string): string => `station:${stationId}`;
/** Tag of answers about one meter. */
export const meterTag = (meterId: string): string => `meter:${meterId}`;

type AnyEvent = EventTypes[EventTypeName];

/**
 * Tags by the event's type, not its topic, so a topic added to the catalogue that carries a known
 * type (e.g. readings re-keyed by building) needs no change here.
 */
function tagsOf(topic: TopicKey, e: AnyEvent): readonly string[] {
  const type: EventTypeName = TOPICS[topic].valueType;
  switch (type) {
    case 'SensorReading':
    case 'AnomalyDetected':
    case 'DataQualityIssue':
    case 'MeterRegistered': {
      const { buildingId, meterId } = e as EventTypes[typeof type];
      return [buildingTag(buildingId), meterTag(meterId)];
    }
    case 'ReadingAggregate': {
      const { buildingId, meterId } = e as ReadingAggregate;
      return meterId
        ? [buildingTag(buildingId), meterTag(meterId), PORTFOLIO_TAG]
        : [buildingTag(buildingId), PORTFOLIO_TAG];
    }
    case 'BuildingRegistered': {
      const { buildingId } = e as BuildingRegistered;
      return [buildingTag(buildingId), buildingInfoTag(buildingId), PORTFOLIO_TAG, BUILDING_REGISTRY_TAG];
    }
    case 'WeatherObservation':
    case 'WeatherForecast':
    case 'WeatherAlert':
      return [stationTag((e as EventTypes[typeof type]).stationId)];
    // Forecast models and forecasts answer about a meter and its building; a promotion for all
    // meters reaches every building's answers through the portfolio tag.
    case 'ModelTrained':
    case 'ForecastIssued': {
      const { buildingId, meterId } = e as EventTypes[typeof type];
      return [buildingTag(buildingId), meterTag(meterId)];
    }
    case 'ModelPromoted': {
      const { buildingId } = e as EventTypes[typeof type];
      return buildingId ? [buildingTag(buildingId)] : [PORTFOLIO_TAG];
    }
    case 'ControlPointRegistered':
    case 'ControlCommandRequested':
    case 'ControlDecision':
    case 'ControlOutcome':
    case 'ControlCommandAction':
    case 'PointValueObserved':
      return [buildingTag((e as EventTypes[typeof type]).buildingId)];
    // Records of actions and of the platform's own work: no tool answer is about them.
    case 'AuditRecord':
    case 'OperationRecorded':
    case 'ImportCheckpoint':
      return [];
    default: {
      const unhandled: never = type;
      return unhandled;
    }
  }
}

/**
 * The hook the projector calls after a batch's Redis and Postgres writes: the cache tags the batch's
 * events make stale, each once, in first-seen order. Pass them to `ToolResultCache.invalidateTags`.
 */
export function tagsToInvalidate(events: Iterable<ProjectionEvent<TopicKey>>): string[] {
  const tags = new Set<string>();
  for (const e of events) for (const tag of tagsOf(e.topic, e.event)) tags.add(tag);
  return [...tags];
}
