import type pg from 'pg';

/** A meter's latest reading as the Postgres read model keeps it, with the building it belongs to. */
export interface MeterLatestReading {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: string;
  readonly unit: string;
  readonly value: number;
  readonly occurredAt: Date;
  readonly eventId: string;
}

/** The latest reading of one meter from `latest_readings`, or undefined when it never reported. */
export async function readMeterLatest(
  db: pg.Pool | pg.ClientBase,
  meterId: string,
): Promise<MeterLatestReading | undefined> {
  const { rows } = await db.query<{
    meter_id: string;
    building_id: string;
    meter_kind: string;
    unit: string;
    value: number;
    occurred_at: Date;
    event_id: string;
  }>(
    'SELECT meter_id, building_id, meter_kind, unit, value, occurred_at, event_id FROM latest_readings WHERE meter_id = $1',
    [meterId],
  );
  const r = rows[0];
  return r === undefined
    ? undefined
    : {
        meterId: r.meter_id,
        buildingId: r.building_id,
        meterKind: r.meter_kind,
        unit: r.unit,
        value: r.value,
        occurredAt: r.occurred_at,
        eventId: r.event_id,
      };
}

/**
 * Ids of meters that have reported, starting with `prefix`, in id order, for completion. With
 * `tenantId`, only meters of that tenant's buildings: the join keeps the filter in the statement.
 */
export async function listMeterIds(
  db: pg.Pool | pg.ClientBase,
  {
    prefix,
    tenantId,
    limit = 100,
  }: { readonly prefix: string; readonly tenantId?: string; readonly limit?: number },
): Promise<string[]> {
  const { rows } = await db.query<{ meter_id: string }>(
    `SELECT l.meter_id FROM latest_readings l
       JOIN buildings b ON b.building_id = l.building_id
      WHERE left(l.meter_id, length($1)) = $1 AND ($2::text IS NULL OR b.tenant_id = $2)
      ORDER BY l.meter_id LIMIT $3`,
    [prefix, tenantId ?? null, limit],
  );
  return rows.map((r) => r.meter_id);
}
