import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  type BuildingView,
  type LatestReading,
  listBuildingIds,
  readBuilding,
  readLatestReadings,
} from '../projections/index.ts';
import type { MeterKind } from '../schemas/index.ts';

/**
 * Everything the MCP adapter reads, as one small seam over the projections. The adapter never
 * reads Kafka to answer a query.
 */
export interface ReadModels {
  latestReadings(buildingId: string, meterKind?: MeterKind): Promise<LatestReading[]>;
  building(buildingId: string): Promise<BuildingView | undefined>;
  buildingIds(): Promise<string[]>;
}

export function createReadModels({ pool, redis }: { pool: pg.Pool; redis: Redis }): ReadModels {
  return {
    latestReadings: (buildingId, meterKind) => readLatestReadings(redis, buildingId, meterKind),
    building: (buildingId) => readBuilding(pool, buildingId),
    buildingIds: () => listBuildingIds(pool),
  };
}
