import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCommandStatus } from '../../projections/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** The control-commands tables as generations created before migration 0004 hold them. */
const BEFORE_0004 = `
CREATE TABLE control_commands (
  command_id text PRIMARY KEY, building_id text NOT NULL, point_id text NOT NULL, status text NOT NULL,
  status_rank smallint NOT NULL, status_at timestamptz NOT NULL, status_event_id uuid NOT NULL,
  request_event_id uuid, requested_at timestamptz, requested_by text, value double precision, unit text,
  priority integer, expires_at timestamptz, reason text, decision_event_id uuid, decided_at timestamptz,
  decision text, decision_reasons jsonb, outcome_event_id uuid, outcome_at timestamptz, outcome text,
  outcome_rank smallint, device_message text,
  CONSTRAINT control_commands_status_rank CHECK ((status = 'requested' AND status_rank = 0)
    OR (status = 'accepted' AND status_rank = 1) OR (status = 'rejected' AND status_rank = 1)
    OR (status = 'acknowledged' AND status_rank = 2) OR (status = 'failed' AND status_rank = 2)
    OR (status = 'relinquished' AND status_rank = 3) OR (status = 'expired' AND status_rank = 3)
    OR (status = 'refused' AND status_rank = 3))
);
CREATE TABLE control_command_status_history (
  event_id uuid PRIMARY KEY, command_id text NOT NULL, building_id text NOT NULL, point_id text NOT NULL,
  status text NOT NULL, occurred_at timestamptz NOT NULL, source text NOT NULL, reasons jsonb,
  device_message text, source_topic text NOT NULL, source_partition integer NOT NULL, source_offset bigint NOT NULL
);`;

describe('migration 0004 on a control-commands generation created before it', () => {
  let platform: TestPlatform;
  let schema: string;
  let location: string;

  beforeAll(async () => {
    platform = await createTestPlatform('ctl_migration');
    schema = platform.config.postgres.schema;
    const c = await platform.pool.connect();
    try {
      // The prepared platform already has a generation with today's tables: put it back as it was before 0004.
      const active = await c.query<{ location: string }>(
        `SELECT location FROM "${schema}".projection_generations WHERE projection = 'control-commands' AND status = 'active'`,
      );
      location = active.rows[0]?.location ?? '';
      expect(location).not.toBe('');
      await c.query(`SET search_path TO "${location}"`);
      await c.query(
        'DROP TABLE IF EXISTS control_commands, control_command_status_history, control_point_policies CASCADE',
      );
      await c.query(BEFORE_0004);
      const at = new Date('2026-12-01T10:00:00Z');
      const row = (id: string, status: string, rank: number) =>
        c.query(
          `INSERT INTO control_commands (command_id, building_id, point_id, status, status_rank, status_at,
             status_event_id, requested_by, value, unit, priority, expires_at, outcome, outcome_rank, outcome_event_id,
             outcome_at)
           VALUES ($1, 'B', 'p', $2, $3, $4, $5, 'user:old', 21, 'degC', 8, $4, $2, $3, $5, $4)`,
          [id, status, rank, at, randomUUID()],
        );
      await row('old-ack', 'acknowledged', 2);
      await row('old-done', 'relinquished', 3);
      await c.query(
        `INSERT INTO control_command_status_history (event_id, command_id, building_id, point_id, status, occurred_at,
           source, source_topic, source_partition, source_offset)
         VALUES ($1, 'old-done', 'B', 'p', 'relinquished', $2, 'gw', 'controlOutcomes', 0, 4)`,
        [randomUUID(), at],
      );
      await c.query(`SET search_path TO "${schema}"`);
      for (const view of ['control_commands', 'control_command_status_history']) {
        await c.query(`CREATE VIEW ${view} AS SELECT * FROM "${location}".${view}`);
      }
      const sql = await readFile(
        new URL('../../projections/migrations/0004_control_command_timeline.sql', import.meta.url),
        'utf8',
      );
      await c.query(sql);
      // Run twice: a migration is applied once, but its DDL must not fail on a half-migrated generation.
      await c.query(sql);
    } finally {
      await c.query('RESET search_path');
      c.release();
    }
  }, 240_000);

  afterAll(async () => {
    await platform?.dispose();
  });

  it('moves the ranks, adds the columns and the policy table, and the reader views show them', async () => {
    const { rows } = await platform.pool.query<{
      command_id: string;
      status_rank: number;
      outcome_rank: number;
    }>(
      `SELECT command_id, status_rank, outcome_rank, read_back, approved_by FROM control_commands ORDER BY command_id`,
    );
    expect(rows).toEqual([
      { command_id: 'old-ack', status_rank: 4, outcome_rank: 4, read_back: null, approved_by: null },
      { command_id: 'old-done', status_rank: 5, outcome_rank: 5, read_back: null, approved_by: null },
    ]);
    const policies = await platform.pool.query('SELECT * FROM control_point_policies');
    expect(policies.rows).toEqual([]);
    await expect(
      platform.pool.query(
        `UPDATE "${location}".control_commands SET status = 'approved', status_rank = 3 WHERE command_id = 'old-ack'`,
      ),
    ).resolves.toBeDefined();
    await expect(
      platform.pool.query(
        `UPDATE "${location}".control_commands SET status = 'bogus' WHERE command_id = 'old-ack'`,
      ),
    ).rejects.toThrow(/control_commands_status/);
    const view = await queryCommandStatus(platform.pool, 'old-done');
    expect(view).toMatchObject({
      status: 'relinquished',
      ended: true,
      requiresApproval: null,
      requestedBy: 'user:old',
    });
    expect(view?.history.map((h) => h.status)).toEqual(['relinquished']);
  });
});
