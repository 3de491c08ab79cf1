import type pg from 'pg';
import type { ForecastModelKind, MeterKind, PromotionScope, ReadingUnit } from '../../schemas/index.ts';
import { DEFAULT_MODEL_VERSION } from './model-versions.ts';

/** A trained model as answers describe it: version, windows and held-back scores. */
export interface ModelView {
  readonly modelId: string;
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly modelKind: ForecastModelKind;
  readonly version: string;
  readonly trainingFrom: Date;
  readonly trainingTo: Date;
  readonly heldBackFrom: Date;
  readonly heldBackTo: Date;
  readonly knotsC: readonly number[];
  readonly stationId: string | null;
  readonly contentHash: string;
  readonly trainingSamples: number;
  /** Scores on the held-back window; the ratios are null when no hour could be scored. */
  readonly heldBack: {
    readonly n: number;
    readonly cvRmse: number | null;
    readonly nmbe: number | null;
    readonly r2: number | null;
  };
  readonly trainedAt: Date;
}

/** The promotion that chose a meter's version, or the default when none did. */
export interface VersionChoice {
  readonly version: string;
  /** 'default' when no promotion covers the meter. */
  readonly scope: PromotionScope | 'default';
  readonly promotedBy: string | null;
  readonly promotedAt: Date | null;
  readonly reason: string | null;
}

/**
 * The version answers use for a meter: a promotion for the meter, else for its building, else for
 * all, else {@link DEFAULT_MODEL_VERSION}. The most specific promotion wins.
 */
export async function queryVersionChoice(
  db: pg.Pool | pg.ClientBase,
  meterId: string,
  buildingId: string,
): Promise<VersionChoice> {
  const { rows } = await db.query<{
    scope: PromotionScope;
    version: string;
    promoted_by: string;
    promoted_at: Date;
    reason: string;
  }>(
    `SELECT scope, version, promoted_by, promoted_at, reason FROM model_promotions
      WHERE (scope = 'meter' AND scope_id = $1) OR (scope = 'building' AND scope_id = $2) OR scope = 'all'
      ORDER BY CASE scope WHEN 'meter' THEN 0 WHEN 'building' THEN 1 ELSE 2 END LIMIT 1`,
    [meterId, buildingId],
  );
  const r = rows[0];
  if (r === undefined) {
    return {
      version: DEFAULT_MODEL_VERSION,
      scope: 'default',
      promotedBy: null,
      promotedAt: null,
      reason: null,
    };
  }
  return {
    version: r.version,
    scope: r.scope,
    promotedBy: r.promoted_by,
    promotedAt: r.promoted_at,
    reason: r.reason,
  };
}

interface ModelDbRow {
  model_id: string;
  meter_id: string;
  building_id: string;
  meter_kind: MeterKind;
  unit: ReadingUnit;
  model_kind: ForecastModelKind;
  version: string;
  training_from: Date;
  training_to: Date;
  held_back_from: Date;
  held_back_to: Date;
  knots_c: number[];
  station_id: string | null;
  content_hash: string;
  training_samples: number;
  held_back_n: number;
  cv_rmse: number | null;
  nmbe: number | null;
  r2: number | null;
  trained_at: Date;
}

const viewOf = (r: ModelDbRow): ModelView => ({
  modelId: r.model_id,
  meterId: r.meter_id,
  buildingId: r.building_id,
  meterKind: r.meter_kind,
  unit: r.unit,
  modelKind: r.model_kind,
  version: r.version,
  trainingFrom: r.training_from,
  trainingTo: r.training_to,
  heldBackFrom: r.held_back_from,
  heldBackTo: r.held_back_to,
  knotsC: r.knots_c,
  stationId: r.station_id,
  contentHash: r.content_hash,
  trainingSamples: r.training_samples,
  heldBack: { n: r.held_back_n, cvRmse: r.cv_rmse, nmbe: r.nmbe, r2: r.r2 },
  trainedAt: r.trained_at,
});

/** Models by id, in the order asked (unknown ids left out). */
export async function queryModelsById(
  db: pg.Pool | pg.ClientBase,
  modelIds: readonly string[],
): Promise<ModelView[]> {
  if (modelIds.length === 0) return [];
  const { rows } = await db.query<ModelDbRow>('SELECT * FROM forecast_models WHERE model_id = ANY($1)', [
    modelIds,
  ]);
  const byId = new Map(rows.map((r) => [r.model_id, viewOf(r)]));
  return modelIds.flatMap((id) => byId.get(id) ?? []);
}

/** Every model of a building's meters (optionally one meter), newest training first. */
export async function queryModels(
  db: pg.Pool | pg.ClientBase,
  query: { readonly buildingId?: string; readonly meterId?: string; readonly version?: string },
): Promise<ModelView[]> {
  const { rows } = await db.query<ModelDbRow>(
    `SELECT * FROM forecast_models
      WHERE ($1::text IS NULL OR building_id = $1) AND ($2::text IS NULL OR meter_id = $2) AND ($3::text IS NULL OR version = $3)
      ORDER BY meter_id, held_back_to DESC, version`,
    [query.buildingId ?? null, query.meterId ?? null, query.version ?? null],
  );
  return rows.map(viewOf);
}
