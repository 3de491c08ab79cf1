import type pg from 'pg';
import type { ControlUnit, DecisionReason } from '../../schemas/index.ts';
import type { CommandStatus } from './command-status.ts';
import type { StatusHistoryRow } from './control-commands-projection.ts';

/**
 * A control command as the control-commands read model knows it, with its status history; statuses
 * are the slice's {@link CommandStatus} and history entries its {@link StatusHistoryRow}s.
 */
export interface CommandStatusView {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  /** Current status: requested, then accepted or rejected, then what the device reported. */
  readonly status: CommandStatus;
  readonly statusAt: Date;
  readonly requestedBy: string | null;
  readonly value: number | null;
  readonly unit: ControlUnit | null;
  readonly priority: number | null;
  readonly expiresAt: Date | null;
  /** Why it was accepted or rejected, as the control-safety processor said it. */
  readonly decisionReasons: readonly DecisionReason[] | null;
  readonly deviceMessage: string | null;
  readonly history: readonly Pick<
    StatusHistoryRow,
    'status' | 'occurredAt' | 'source' | 'reasons' | 'deviceMessage'
  >[];
}

/** Status and history of one command; undefined when no event of it has been projected. */
export async function queryCommandStatus(
  db: pg.Pool | pg.ClientBase,
  commandId: string,
): Promise<CommandStatusView | undefined> {
  // Typed as the projection writes them: only COMMAND_STATUSES (control_commands' CHECK holds it to
  // them), a request's ControlUnit, a decision's DecisionReason[] as jsonb.
  const [current, history] = await Promise.all([
    db.query<{
      command_id: string;
      building_id: string;
      point_id: string;
      status: CommandStatus;
      status_at: Date;
      requested_by: string | null;
      value: number | null;
      unit: ControlUnit | null;
      priority: number | null;
      expires_at: Date | null;
      decision_reasons: readonly DecisionReason[] | null;
      device_message: string | null;
    }>(
      `SELECT command_id, building_id, point_id, status, status_at, requested_by, value, unit, priority,
              expires_at, decision_reasons, device_message
         FROM control_commands WHERE command_id = $1`,
      [commandId],
    ),
    db.query<{
      status: CommandStatus;
      occurred_at: Date;
      source: string;
      reasons: readonly DecisionReason[] | null;
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
