import { EaioError } from '../../infra/errors/index.ts';
import {
  listProjections,
  PROJECTIONS,
  type ProjectionStatus,
  projectionNamed,
  type RebuildOptions,
  type RebuildResult,
  rebuildProjection,
} from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** `eaio projections list`: every projection's generations, offsets and lag. */
export function projectionsStatus(platform: Platform): Promise<ProjectionStatus[]> {
  return listProjections(
    {
      pool: platform.pool,
      schema: platform.config.postgres.schema,
      kafka: platform.kafka,
      names: platform.names,
    },
    PROJECTIONS,
  );
}

/**
 * `eaio projections rebuild NAME`: builds a new generation of the named projection beside the
 * live one and switches it in once caught up. The live projector may keep running meanwhile.
 */
export function rebuildNamedProjection(
  platform: Platform,
  name: string,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const projection = projectionNamed(name);
  if (projection === undefined) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `Unknown projection '${name}'; one of: ${PROJECTIONS.map((p) => p.name).join(', ')}.`,
    );
  }
  return rebuildProjection(
    {
      kafka: platform.kafka,
      codec: platform.codec,
      names: platform.names,
      pool: platform.pool,
      redis: platform.redis,
      schema: platform.config.postgres.schema,
      logger: platform.logger,
    },
    projection,
    options,
  );
}
