-- Buildings carry a tenant (BuildingRegistered.tenantId; null is the tenant 'default'), and agents of
-- one tenant see only its buildings. New generations get the column from the projection's DDL;
-- existing ones gain it here with the default (every building registered so far named no tenant),
-- and the reader view is recreated so it shows the column (a view's `*` is fixed when created).
DO $$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT location, status FROM projection_generations
     WHERE projection = 'buildings' AND store = 'postgres' AND status <> 'retired'
  LOOP
    IF to_regclass(format('%I.buildings', g.location)) IS NOT NULL THEN
      EXECUTE format(
        'ALTER TABLE %I.buildings ADD COLUMN IF NOT EXISTS tenant_id text NOT NULL DEFAULT %L',
        g.location, 'default');
      IF g.status = 'active' THEN
        EXECUTE format('CREATE OR REPLACE VIEW buildings AS SELECT * FROM %I.buildings', g.location);
      END IF;
    END IF;
  END LOOP;
END $$;
