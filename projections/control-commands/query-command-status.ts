import type pg from 'pg';

/** A control command as the control-commands read model knows it, with its status history. */
export interface CommandStatusView {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  /** Current status: requested, then accepted or rejected, then what the device reported. */
  readonly status: string;
  readonly statusAt: Date;
  readonly requestedBy: string | null;
  readonly value: number | null;
  readonly unit: string | null;
  readonly priority: number | null;
  readonly expiresAt: Date | null;
  /** Why it was accepted or rejected, as the control-safety processor said it. */
  readonly decisionReasons: unknown;
  readonly deviceMessage: string | null;
  readonly history: readonly {
    readonly status: string;
    readonly occurredAt: Date;
    readonly source: string;
    readonly reasons: unknown;
    readonly deviceMessage: string | null;
  }[];
}

/** Status and history of one command; undefined when no event of it has been projected. */
export async function queryCommandStatus(
  db: pg.Pool | pg.ClientBase,
  commandId: string,
): Promise<CommandStatusView | undefined> {
  const [current, history] = await Promise.all([
    db.query<{
      command_id: string;
      building_id: string;
      point_id: string;
      status: string;
      status_at: Date;
      requested_by: string | null;
      value: number | null;
      unit: string | null;
      priority: number | null;
      expires_at: Date | null;
      decision_reasons: unknown;
      device_message: string | null;
    }>(
      `SELECT command_id, building_id, point_id, status, status_at, requested_by, value, unit, priority,
              expires_at, decision_reasons, device_message
         FROM control_commands WHERE command_id = $1`,
      [commandId],
    ),
    db.query<{
      status: string;
      occurred_at: Date;
      source: string;
      reasons: unknown;
      device_message: string | null;
    }>(
      `SELECT status, occurred_at, source, reasons, device_message FROM control_command_status_history
        WHERE command_id = $1 ORDER BY occurred_at, source_topic, source_offset`,
      [commandId],
    ),
  ]);
  const row = current.rows[0];
  if (row === undefined) return undefined;
  return {
    commandId: row.command_id,
    buildingId: row.building_id,
    pointId: row.point_id,
    status: row.status,
    statusAt: row.status_at,
    requestedBy: row.requested_by,
    value: row.value,
    unit: row.unit,
    priority: row.priority,
    expiresAt: row.expires_at,
    decisionReasons: row.decision_reasons,
    deviceMessage: row.device_message,
    history: history.rows.map((h) => ({
      status: h.status,
      occurredAt: h.occurred_at,
      source: h.source,
      reasons: h.reasons,
      deviceMessage: h.device_message,
    })),
  };
}
