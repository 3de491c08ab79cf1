import { ensureProjections, PROJECTIONS, runMigrations } from '../../projections/index.ts';
import { ensureTopics } from '../../schemas/index.ts';
import type { Platform } from './connect-platform.ts';

/**
 * Makes the platform ready to run: topics exist and agree with the catalog, every schema is
 * registered, the migrations are applied and every projection of the catalogue has an active
 * generation behind its reader views. Idempotent; every component may call it.
 */
export async function preparePlatform(platform: Platform): Promise<void> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const topics = await ensureTopics(admin, platform.names);
    if (topics.created.length > 0) platform.logger.info({ created: topics.created }, 'topics created');
  } finally {
    await admin.disconnect();
  }
  const subjects = await platform.codec.registerAll();
  platform.logger.info({ subjects: Object.fromEntries(subjects) }, 'schemas registered');
  const migrations = await runMigrations(platform.pool, platform.config.postgres.schema);
  if (migrations.applied.length > 0)
    platform.logger.info({ applied: migrations.applied }, 'migrations applied');
  await ensureProjections(
    { pool: platform.pool, redis: platform.redis, schema: platform.config.postgres.schema },
    PROJECTIONS,
  );
}
