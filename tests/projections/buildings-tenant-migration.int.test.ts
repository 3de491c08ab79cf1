import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generationSchema, runMigrations } from '../../projections/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** The buildings table as generations built before migration 0003 have it: no tenant_id. */
const OLD_BUILDINGS_DDL = (table: string) => `CREATE TABLE ${table} (
  building_id        text PRIMARY KEY,
  site_id            text,
  primary_use        text NOT NULL,
  floor_area_m2      double precision,
  timezone           text NOT NULL,
  year_built         integer,
  weather_station_id text,
  registered_at      timestamptz NOT NULL,
  event_id           uuid NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL
)`;

describe('migration 0003: buildings generations built before tenants gain tenant_id', () => {
  let platform: TestPlatform;
  let schema: string;
  let active: string;
  let building: string;

  const q = (sql: string, params: unknown[] = []) => platform.pool.query(sql, params);
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

  /** The tenant_id column of `table` in `tableSchema`: its default and nullability, undefined when absent. */
  async function tenantColumn(tableSchema: string, table: string) {
    const { rows } = await q(
      `SELECT column_default, is_nullable FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2 AND column_name = 'tenant_id'`,
      [tableSchema, table],
    );
    return rows[0] as { column_default: string | null; is_nullable: string } | undefined;
  }

  beforeAll(async () => {
    platform = await createTestPlatform('migration_0003');
    schema = platform.config.postgres.schema;
    // Start-up built generation 1 in today's shape; put it back the way an old deployment has it.
    const { rows } = await q(
      "SELECT location FROM projection_generations WHERE projection = 'buildings' AND status = 'active'",
    );
    active = (rows[0] as { location: string }).location;
    await q('DROP VIEW buildings');
    await q(`DROP TABLE ${ident(active)}.buildings`);
    await q(OLD_BUILDINGS_DDL(`${ident(active)}.buildings`));
    await q(
      `INSERT INTO ${ident(active)}.buildings VALUES ('Old_Office', 'Site', 'Office', 100, 'UTC', NULL, NULL, now(), $1, 0, 7)`,
      [randomUUID()],
    );
    await q(`CREATE VIEW buildings AS SELECT * FROM ${ident(active)}.buildings`);
    // And a rebuild in progress (status 'building') of the old shape too, which readers do not see.
    building = generationSchema(schema, 'buildings', 2);
    await q(`CREATE SCHEMA ${ident(building)}`);
    await q(OLD_BUILDINGS_DDL(`${ident(building)}.buildings`));
    await q(
      `INSERT INTO projection_generations (projection, generation, status, store, location)
       VALUES ('buildings', 2, 'building', 'postgres', $1)`,
      [building],
    );
    await q("DELETE FROM schema_migrations WHERE version = '0003_buildings_tenant'");
  }, 120_000);

  afterAll(async () => {
    await q(`DROP SCHEMA IF EXISTS ${ident(building)} CASCADE`).catch(() => undefined);
    await platform?.dispose();
  });

  it('re-running migrations applies 0003 once: the column, default tenant, in both generations and in the view', async () => {
    expect(await tenantColumn(active, 'buildings')).toBeUndefined();
    expect(await tenantColumn(schema, 'buildings')).toBeUndefined();

    const first = await runMigrations(platform.pool, schema);
    expect(first.applied).toEqual(['0003_buildings_tenant']);

    for (const location of [active, building]) {
      expect(await tenantColumn(location, 'buildings'), location).toEqual({
        column_default: "'default'::text",
        is_nullable: 'NO',
      });
    }
    // The reader view was recreated over the active generation, so it shows the column.
    expect(await tenantColumn(schema, 'buildings')).toBeDefined();
    const { rows } = await q("SELECT tenant_id FROM buildings WHERE building_id = 'Old_Office'");
    expect(rows).toEqual([{ tenant_id: 'default' }]);

    const again = await runMigrations(platform.pool, schema);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toContain('0003_buildings_tenant');
  });
});
