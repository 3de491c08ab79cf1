import { type RunningDeadLetterIndex, startDeadLetterIndex } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** Runs the dead-letter index beside the projector: every `.dlq` topic into the `dead_letter_index` view. */
export function runDeadLetterIndex(platform: Platform): Promise<RunningDeadLetterIndex> {
  return startDeadLetterIndex({
    kafka: platform.kafka,
    codec: platform.codec,
    names: platform.names,
    pool: platform.pool,
    schema: platform.config.postgres.schema,
    logger: platform.logger,
    sessionTimeoutMs: platform.config.kafka.sessionTimeoutMs,
  });
}
