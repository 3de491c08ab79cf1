import type pg from 'pg';
import type { ModelPromoted, ModelTrained } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** Where an event sat in the log; for one key, the one furthest along wins. */
interface LogPosition {
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One trained model, as its `ModelTrained` says, with where it sat in the log. */
export interface ModelRow extends LogPosition {
  readonly event: ModelTrained;
}

/** The promotion in force for one scope (a meter, a building, or all). */
export interface PromotionRow extends LogPosition {
  readonly event: ModelPromoted;
}

/** One batch's changes: at most one row per model id and per promotion scope. */
export interface ModelsChanges {
  readonly models: Map<string, ModelRow>;
  readonly promotions: Map<string, PromotionRow>;
}

type ModelsTopic = 'models' | 'modelPromotions';

function isLater(a: LogPosition, b: LogPosition): boolean {
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
}

/** Natural key of a promotion: its scope and the id within it. */
export const promotionKey = (p: Pick<ModelPromoted, 'scope' | 'scopeId'>): string =>
  `${p.scope}/${p.scopeId}`;

function evolveModels(state: ModelsChanges, input: ProjectionEvent<ModelsTopic>): ModelsChanges {
  const position = { sourcePartition: input.partition, sourceOffset: input.offset };
  if (input.topic === 'models') {
    // A model id is a pure function of version, meter and windows, and so is its content: a
    // re-trained duplicate carries the same values, so keeping the later one changes nothing.
    const seen = state.models.get(input.event.modelId);
    if (seen === undefined || isLater(position, seen))
      state.models.set(input.event.modelId, { ...position, event: input.event });
  } else {
    const key = promotionKey(input.event);
    const seen = state.promotions.get(key);
    if (seen === undefined || isLater(position, seen))
      state.promotions.set(key, { ...position, event: input.event });
  }
  return state;
}

const DDL = `
CREATE TABLE IF NOT EXISTS forecast_models (
  model_id          text PRIMARY KEY,
  meter_id          text NOT NULL,
  building_id       text NOT NULL,
  meter_kind        text NOT NULL,
  unit              text NOT NULL,
  model_kind        text NOT NULL,
  version           text NOT NULL,
  training_from     timestamptz NOT NULL,
  training_to       timestamptz NOT NULL,
  held_back_from    timestamptz NOT NULL,
  held_back_to      timestamptz NOT NULL,
  features          jsonb NOT NULL,
  coefficients      jsonb NOT NULL,
  knots_c           jsonb NOT NULL,
  time_zone         text NOT NULL,
  station_id        text,
  content_hash      text NOT NULL,
  training_samples  integer NOT NULL,
  held_back_n       integer NOT NULL,
  mean_actual       double precision,
  cv_rmse           double precision,
  nmbe              double precision,
  r2                double precision,
  trained_at        timestamptz NOT NULL,
  event_id          uuid NOT NULL,
  source            text NOT NULL,
  source_partition  integer NOT NULL,
  source_offset     bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS forecast_models_meter ON forecast_models (meter_id, version, training_to DESC);
CREATE INDEX IF NOT EXISTS forecast_models_building ON forecast_models (building_id, version);

CREATE TABLE IF NOT EXISTS model_promotions (
  scope             text NOT NULL,
  scope_id          text NOT NULL,
  building_id       text,
  version           text NOT NULL,
  promoted_by       text NOT NULL,
  reason            text NOT NULL,
  promoted_at       timestamptz NOT NULL,
  event_id          uuid NOT NULL,
  source            text NOT NULL,
  source_partition  integer NOT NULL,
  source_offset     bigint NOT NULL,
  PRIMARY KEY (scope, scope_id)
);
`;

/** NaN (no hour scored) is stored as NULL: JSON and SQL have no NaN a reader would expect. */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

async function upsertModels(client: pg.ClientBase, rows: readonly ModelRow[]): Promise<void> {
  if (rows.length === 0) return;
  const json = rows.map(({ event: e, sourcePartition, sourceOffset }) => ({
    model_id: e.modelId,
    meter_id: e.meterId,
    building_id: e.buildingId,
    meter_kind: e.meterKind,
    unit: e.unit,
    model_kind: e.modelKind,
    version: e.version,
    training_from: e.trainingFrom.toISOString(),
    training_to: e.trainingTo.toISOString(),
    held_back_from: e.heldBackFrom.toISOString(),
    held_back_to: e.heldBackTo.toISOString(),
    features: e.features,
    coefficients: e.coefficients,
    knots_c: e.knotsC,
    time_zone: e.timeZone,
    station_id: e.stationId ?? null,
    content_hash: e.contentHash,
    training_samples: e.trainingSamples,
    held_back_n: e.heldBackN,
    mean_actual: finite(e.heldBackMeanActual),
    cv_rmse: finite(e.heldBackCvRmse),
    nmbe: finite(e.heldBackNmbe),
    r2: finite(e.heldBackR2),
    trained_at: e.occurredAt.toISOString(),
    event_id: e.eventId,
    source: e.source,
    source_partition: sourcePartition,
    source_offset: sourceOffset,
  }));
  await client.query(
    `INSERT INTO forecast_models
     SELECT * FROM jsonb_populate_recordset(NULL::forecast_models, $1::jsonb)
     ON CONFLICT (model_id) DO UPDATE SET
       meter_id = excluded.meter_id, building_id = excluded.building_id, meter_kind = excluded.meter_kind,
       unit = excluded.unit, model_kind = excluded.model_kind, version = excluded.version,
       training_from = excluded.training_from, training_to = excluded.training_to,
       held_back_from = excluded.held_back_from, held_back_to = excluded.held_back_to,
       features = excluded.features, coefficients = excluded.coefficients, knots_c = excluded.knots_c,
       time_zone = excluded.time_zone, station_id = excluded.station_id, content_hash = excluded.content_hash,
       training_samples = excluded.training_samples, held_back_n = excluded.held_back_n,
       mean_actual = excluded.mean_actual, cv_rmse = excluded.cv_rmse, nmbe = excluded.nmbe, r2 = excluded.r2,
       trained_at = excluded.trained_at, event_id = excluded.event_id, source = excluded.source,
       source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE (forecast_models.source_offset, forecast_models.source_partition)
         < (excluded.source_offset, excluded.source_partition)`,
    [JSON.stringify(json)],
  );
}

async function upsertPromotions(client: pg.ClientBase, rows: readonly PromotionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const json = rows.map(({ event: e, sourcePartition, sourceOffset }) => ({
    scope: e.scope,
    scope_id: e.scopeId,
    building_id: e.buildingId ?? null,
    version: e.version,
    promoted_by: e.promotedBy,
    reason: e.reason,
    promoted_at: e.occurredAt.toISOString(),
    event_id: e.eventId,
    source: e.source,
    source_partition: sourcePartition,
    source_offset: sourceOffset,
  }));
  await client.query(
    `INSERT INTO model_promotions
     SELECT * FROM jsonb_populate_recordset(NULL::model_promotions, $1::jsonb)
     ON CONFLICT (scope, scope_id) DO UPDATE SET
       building_id = excluded.building_id, version = excluded.version, promoted_by = excluded.promoted_by,
       reason = excluded.reason, promoted_at = excluded.promoted_at, event_id = excluded.event_id,
       source = excluded.source, source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE (model_promotions.source_offset, model_promotions.source_partition)
         < (excluded.source_offset, excluded.source_partition)`,
    [JSON.stringify(json)],
  );
}

/**
 * Every forecast model version of every meter with its held-back scores, and the promotion in force
 * per meter, building and for all. One projection for both because "which version answers use" is
 * resolved against the models it names, and one rebuild keeps them consistent.
 */
export const modelsProjection: PostgresProjection<ModelsTopic, ModelsChanges> = {
  store: 'postgres',
  name: 'models',
  description:
    'Forecast models of every meter and version with held-back scores, and the promoted version per meter, building or all.',
  handles: ['models', 'modelPromotions'],
  initial: () => ({ models: new Map(), promotions: new Map() }),
  evolve: evolveModels,
  ddl: () => DDL,
  readerViews: ['forecast_models', 'model_promotions'],
  async apply(client, changes) {
    await upsertModels(client, [...changes.models.values()]);
    await upsertPromotions(client, [...changes.promotions.values()]);
  },
};
