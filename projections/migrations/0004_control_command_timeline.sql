-- Control commands show their whole timeline: schedule and heartbeat of the request, an approver's
-- decision, each action (approve, refuse, cancel, heartbeat) and each outcome with what was written,
-- read back and why it ended; points' approval policies tell `accepted` from `awaiting_approval`.
-- New generations get all of it from the projection's DDL. Existing ones gain the columns and the
-- policy table here; their status ranks move to the new order (acknowledged/failed 2 -> 4,
-- relinquished/expired/refused 3 -> 5, leaving 3 to approvals), the rank-per-status check gives way to
-- a status check (a relinquish at a schedule window's end ranks 4), and the active generation's
-- reader views are recreated so they show the new columns (a view's `*` is fixed when created).
-- The projector reads the newly handled topics (control-actions, control-points) from the start of
-- the log, as for any projection with no stored offset there.
DO $$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT location, status FROM projection_generations
     WHERE projection = 'control-commands' AND store = 'postgres' AND status <> 'retired'
  LOOP
    IF to_regclass(format('%I.control_commands', g.location)) IS NOT NULL THEN
      EXECUTE format($ddl$
        ALTER TABLE %1$I.control_commands
          ADD COLUMN IF NOT EXISTS schedule jsonb,
          ADD COLUMN IF NOT EXISTS heartbeat_seconds integer,
          ADD COLUMN IF NOT EXISTS approval_event_id uuid,
          ADD COLUMN IF NOT EXISTS approval_at timestamptz,
          ADD COLUMN IF NOT EXISTS approval_action text,
          ADD COLUMN IF NOT EXISTS approved_by text,
          ADD COLUMN IF NOT EXISTS approval_reason text,
          ADD COLUMN IF NOT EXISTS outcome_value double precision,
          ADD COLUMN IF NOT EXISTS outcome_priority integer,
          ADD COLUMN IF NOT EXISTS read_back double precision,
          ADD COLUMN IF NOT EXISTS outcome_cause text,
          DROP CONSTRAINT IF EXISTS control_commands_status_rank;
        UPDATE %1$I.control_commands SET
          status_rank = CASE WHEN status IN ('acknowledged', 'failed') THEN 4
                             WHEN status IN ('relinquished', 'expired', 'refused') THEN 5
                             ELSE status_rank END,
          outcome_rank = CASE WHEN outcome IN ('acknowledged', 'failed') THEN 4
                              WHEN outcome IN ('relinquished', 'expired', 'refused') THEN 5
                              ELSE outcome_rank END
         WHERE status_rank IN (2, 3) OR outcome_rank IN (2, 3);
        ALTER TABLE %1$I.control_commands DROP CONSTRAINT IF EXISTS control_commands_status;
        ALTER TABLE %1$I.control_commands ADD CONSTRAINT control_commands_status CHECK (status IN
          ('requested', 'accepted', 'rejected', 'approved', 'approval_refused', 'acknowledged', 'failed',
           'relinquished', 'expired', 'refused'));
        ALTER TABLE %1$I.control_command_status_history
          ADD COLUMN IF NOT EXISTS actor text,
          ADD COLUMN IF NOT EXISTS action text,
          ADD COLUMN IF NOT EXISTS note text,
          ADD COLUMN IF NOT EXISTS value double precision,
          ADD COLUMN IF NOT EXISTS priority integer,
          ADD COLUMN IF NOT EXISTS read_back double precision,
          ADD COLUMN IF NOT EXISTS cause text;
        CREATE TABLE IF NOT EXISTS %1$I.control_point_policies (
          point_id                 text PRIMARY KEY,
          building_id              text NOT NULL,
          requires_approval        boolean NOT NULL,
          approval_timeout_seconds integer,
          gateway_id               text,
          source_partition         integer NOT NULL,
          source_offset            bigint NOT NULL
        );
      $ddl$, g.location);
      IF g.status = 'active' THEN
        EXECUTE format('CREATE OR REPLACE VIEW control_commands AS SELECT * FROM %I.control_commands', g.location);
        EXECUTE format(
          'CREATE OR REPLACE VIEW control_command_status_history AS SELECT * FROM %I.control_command_status_history',
          g.location);
        EXECUTE format(
          'CREATE OR REPLACE VIEW control_point_policies AS SELECT * FROM %I.control_point_policies', g.location);
      END IF;
    END IF;
  END LOOP;
END $$;
