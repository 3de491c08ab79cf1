import type pg from 'pg';

/** The most timeline events one answer lists, whatever `limit` asks. */
export const MAX_COMMAND_TIMELINE = 500;

/** Whose control-command events to list, newest first. */
export interface CommandTimelineQuery {
  /** Only commands of buildings of this tenant; every tenant's when absent. */
  readonly tenantId?: string;
  readonly buildingId?: string;
  /** At most this many; default 100, at most {@link MAX_COMMAND_TIMELINE}. */
  readonly limit?: number;
}

/** One step in the life of a control command: requested, accepted, approved, acknowledged, ... */
export interface CommandTimelineEvent {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  /** The status it claims or the action it records (cancel_requested, heartbeat). */
  readonly status: string;
  readonly occurredAt: Date;
  readonly actor: string | null;
  readonly value: number | null;
  /** The safety decision's reasons, a device message or a note, when the event carried one. */
  readonly detail: string | null;
}

function detailOf(r: {
  reasons: unknown;
  device_message: string | null;
  note: string | null;
}): string | null {
  const reasons = Array.isArray(r.reasons)
    ? r.reasons
        .map((x: unknown) =>
          typeof x === 'object' && x !== null && 'message' in x ? String(x.message) : JSON.stringify(x),
        )
        .join('; ')
    : '';
  const parts = [reasons, r.device_message ?? '', r.note ?? ''].filter((p) => p !== '');
  return parts.length === 0 ? null : parts.join(' | ');
}

/**
 * The latest events of every control command (of a tenant's buildings, or of one building), newest
 * first, from the control-commands read model's status history: a timeline across commands where
 * `queryCommandStatus` gives one command's.
 */
export async function queryCommandTimeline(
  db: pg.Pool | pg.ClientBase,
  query: CommandTimelineQuery,
): Promise<CommandTimelineEvent[]> {
  const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? 100)), MAX_COMMAND_TIMELINE);
  const { rows } = await db.query<{
    command_id: string;
    building_id: string;
    point_id: string;
    status: string;
    occurred_at: Date;
    actor: string | null;
    value: number | null;
    reasons: unknown;
    device_message: string | null;
    note: string | null;
  }>(
    `SELECT h.command_id, h.building_id, h.point_id, h.status, h.occurred_at, h.actor, h.value,
            h.reasons, h.device_message, h.note
       FROM control_command_status_history h
      WHERE ($1::text IS NULL OR h.building_id = $1)
        AND ($2::text IS NULL OR EXISTS (
              SELECT 1 FROM buildings b WHERE b.building_id = h.building_id AND b.tenant_id = $2))
      ORDER BY h.occurred_at DESC, h.event_id
      LIMIT $3`,
    [query.buildingId ?? null, query.tenantId ?? null, limit],
  );
  return rows.map((r) => ({
    commandId: r.command_id,
    buildingId: r.building_id,
    pointId: r.point_id,
    status: r.status,
    occurredAt: r.occurred_at,
    actor: r.actor,
    value: r.value,
    detail: detailOf(r),
  }));
}
