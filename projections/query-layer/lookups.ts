import { type Attributes, SpanKind, type Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  DB_SYSTEM_NAME_VALUE_REDIS,
  globalTracer,
  inSpan,
} from '../../infra/telemetry/index.ts';
import type { MeterKind } from '../../schemas/index.ts';
import { type BuildingView, listBuildingIds, readBuilding, stationServesTenant } from '../buildings/index.ts';
import { type LatestReading, listMeterIds, readLatestReadings } from '../readings/index.ts';
import { buildingTag, type ToolResultCache } from '../tool-result-cache/index.ts';

/**
 * The plain lookups of the query layer: answers read as they are, without provenance, the breaker or
 * a kept answer (the MCP tools and resources have always read them so).
 */
export interface Lookups {
  /** The latest reading of each meter of a building (optionally of one kind), from Redis. */
  latestReadings(buildingId: string, meterKind?: MeterKind): Promise<LatestReading[]>;
  /** A building and its meters, from PostgreSQL; undefined when unknown. */
  building(buildingId: string): Promise<BuildingView | undefined>;
  /**
   * Known building ids in id order, from PostgreSQL (at most 1000, or `limit`); with `tenantId`
   * only that tenant's, with `prefix` only ids starting with it.
   */
  buildingIds(options?: {
    readonly tenantId?: string;
    readonly prefix?: string;
    readonly limit?: number;
  }): Promise<string[]>;
  /** Ids of meters that have reported, starting with `prefix` (at most 100); with `tenantId` only its buildings'. */
  meterIds(options: { readonly prefix: string; readonly tenantId?: string }): Promise<string[]>;
  /** Whether a building of `tenantId` takes its weather from `stationId`. */
  stationServesTenant(stationId: string, tenantId: string): Promise<boolean>;
}

/** What the lookups read from and record to. */
export interface LookupsDeps {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly tracer?: Tracer;
  readonly cache?: ToolResultCache;
}

/**
 * The lookups over the platform's clients. Each read is a CLIENT span (`HGETALL
 * latest-readings`, `SELECT buildings`) with the database semantic attributes, a child of the
 * tool call that asked for it. With a `cache`, latest readings are answered from the tool-result
 * cache (category `sensors`, tagged `building:<id>`), which the projector invalidates after each
 * batch that touches the building.
 */
export function createLookups({ pool, redis, tracer = globalTracer(), cache }: LookupsDeps): Lookups {
  const read = <T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> =>
    inSpan(tracer, name, { kind: SpanKind.CLIENT, attributes }, work);
  const redisRead = (operation: string, collection: string) => ({
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_REDIS,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_COLLECTION_NAME]: collection,
  });
  const postgresRead = (collection: string) => ({
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_DB_OPERATION_NAME]: 'SELECT',
    [ATTR_DB_COLLECTION_NAME]: collection,
  });
  const latestReadings = (buildingId: string, meterKind?: MeterKind) =>
    read('HGETALL latest-readings', redisRead('HGETALL', 'latest-readings'), () =>
      readLatestReadings(redis, buildingId, meterKind),
    );
  return {
    latestReadings: async (buildingId, meterKind) => {
      if (cache === undefined) return latestReadings(buildingId, meterKind);
      const { value, hit } = await cache.getOrCompute(
        'sensors',
        `latest-readings:${buildingId}:${meterKind ?? '*'}`,
        () => latestReadings(buildingId, meterKind),
        { tags: [buildingTag(buildingId)] },
      );
      // A hit comes back through JSON: event times as strings.
      return hit ? value.map((r) => ({ ...r, occurredAt: new Date(r.occurredAt) })) : value;
    },
    building: (buildingId) =>
      read('SELECT buildings', postgresRead('buildings'), () => readBuilding(pool, buildingId)),
    buildingIds: (options = {}) =>
      read('SELECT buildings', postgresRead('buildings'), () =>
        listBuildingIds(pool, options.limit, {
          ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
          ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        }),
      ),
    meterIds: (options) =>
      read('SELECT latest_readings', postgresRead('latest_readings'), () => listMeterIds(pool, options)),
    stationServesTenant: (stationId, tenantId) =>
      read('SELECT buildings', postgresRead('buildings'), () =>
        stationServesTenant(pool, stationId, tenantId),
      ),
  };
}
