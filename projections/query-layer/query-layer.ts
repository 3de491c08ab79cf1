import type { Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import {
  type CircuitBreakers,
  createCircuitBreakers,
  isNetworkFailure,
} from '../../infra/resilience/index.ts';
import type { MeterKind } from '../../schemas/index.ts';
// Analytics (recommendations, similar buildings, EUI trends): issue 15.
import {
  type BenchmarkTrend,
  type BenchmarkTrendQuery,
  queryBenchmarkTrend,
  queryRecommendations,
  querySimilarBuildings,
  type Recommendations,
  type RecommendationsQuery,
  type SimilarBuildings,
  type SimilarBuildingsQuery,
} from '../analytics/index.ts';
import { type AnomaliesQuery, type AnomalyView, queryAnomalies } from '../anomalies/index.ts';
import { type AuditQuery, type AuditRecordView, queryAuditRecords } from '../audit-log/index.ts';
import {
  type BenchmarkQuery,
  type BuildingBenchmark,
  type BuildingsPage,
  type BuildingsQuery,
  type BuildingView,
  queryBenchmark,
  queryBuildings,
  readBuilding,
  readBuildingTenant,
} from '../buildings/index.ts';
import { PROJECTIONS } from '../catalog.ts';
import {
  type CommandStatusView,
  type CommandTimelineEvent,
  type CommandTimelineQuery,
  queryCommandStatus,
  queryCommandTimeline,
} from '../control-commands/index.ts';
import {
  activeCurrentWeatherKeyspace,
  type BuildingWeather,
  CURRENT_WEATHER,
  type CurrentWeather,
  readBuildingWeather,
  readStationWeather,
} from '../current-weather/index.ts';
import {
  type DataQualityIssuesQuery,
  type DataQualityIssueView,
  type DataQualityQuery,
  type DataQualityReport,
  queryDataQualityIssues,
  queryDataQualityReport,
} from '../data-quality-issues/index.ts';
import {
  type DeadLetterDetail,
  type DeadLetterPage,
  type DeadLettersQuery,
  queryDeadLetter,
  queryDeadLetters,
} from '../dead-letters/index.ts';
import {
  type BuildingForecastView,
  type ForecastQuery,
  type LiveAccuracyQuery,
  queryForecast,
  queryLiveAccuracy,
  type VersionAccuracy,
} from '../forecasts/index.ts';
import { type ModelView, queryModels } from '../models/index.ts';
import {
  type OperationSummary,
  type OperationSummaryQuery,
  queryOperationSummary,
} from '../operation-stats/index.ts';
import { type ProjectionGenerations, queryProjectionGenerations } from '../projector/index.ts';
import {
  type LatestReading,
  latestReadingsProjection,
  type MeterLatestReading,
  readMeterLatest,
} from '../readings/index.ts';
import {
  type ConsumptionBucket,
  type ConsumptionQuery,
  type ConsumptionTotal,
  type ConsumptionTotalsQuery,
  queryConsumption,
  queryConsumptionTotals,
  queryWeatherNormalised,
  type WeatherNormalisedConsumption,
  type WeatherNormalisedQuery,
} from '../rollups/index.ts';
import { querySavings, type SavingsEstimate, type SavingsQuery } from '../savings/index.ts';
import { buildingInfoTag, type ToolResultCache } from '../tool-result-cache/index.ts';
import { queryWeatherHours, type WeatherHour, type WeatherHoursQuery } from '../weather/index.ts';
import { createLastKnownGood, type KeptAnswer, normaliseArguments } from './last-known-good.ts';
import { createLookups, type Lookups } from './lookups.ts';
import { type Answer, type AnswerBody, readProvenance } from './provenance.ts';

/**
 * The one seam over the read models: the MCP adapter reads through it and nothing else, never Kafka.
 * Its {@link Lookups} (latest readings, buildings) are read spans, latest readings through the
 * tool-result cache. Its typed queries answer from the Postgres read models with their provenance;
 * while PostgreSQL is unavailable an answer may be the last good one, flagged `stale: true`; with none
 * kept, the call fails with a transient DEPENDENCY_UNAVAILABLE EaioError whose message says when to retry.
 */
export interface QueryLayer extends Lookups {
  consumption(query: ConsumptionQuery): Promise<Answer<ConsumptionBucket[]>>;
  benchmark(query: BenchmarkQuery): Promise<Answer<BuildingBenchmark | undefined>>;
  anomalies(query: AnomaliesQuery): Promise<Answer<AnomalyView[]>>;
  dataQuality(query: DataQualityQuery): Promise<Answer<DataQualityReport>>;
  commandStatus(commandId: string): Promise<Answer<CommandStatusView | undefined>>;
  /** The latest control-command events across commands (a tenant's, or one building's), newest first. */
  commandTimeline(query: CommandTimelineQuery): Promise<Answer<CommandTimelineEvent[]>>;
  /** A building's data-quality findings one by one, newest first. */
  dataQualityIssues(query: DataQualityIssuesQuery): Promise<Answer<DataQualityIssueView[]>>;
  /** A station's hourly weather over a range, oldest first. */
  weatherHours(query: WeatherHoursQuery): Promise<Answer<WeatherHour[]>>;
  weatherNormalised(query: WeatherNormalisedQuery): Promise<Answer<WeatherNormalisedConsumption | undefined>>;
  /** A building's (or meter's) stored forecast for the next local day or week, with the models behind it. */
  forecast(query: ForecastQuery): Promise<Answer<BuildingForecastView | undefined>>;
  /** Live accuracy of model versions on the same meters and hours: stored forecasts against actual rollups. */
  liveAccuracy(query: LiveAccuracyQuery): Promise<Answer<VersionAccuracy[]>>;
  /** Trained models of a building or meter, newest training first. */
  models(query: { buildingId?: string; meterId?: string; version?: string }): Promise<Answer<ModelView[]>>;
  /**
   * Avoided energy since a change date against a Guideline 14 TOWT baseline, with its uncertainty;
   * data undefined for an unknown building, a typed error when the baseline does not qualify.
   */
  savings(query: SavingsQuery): Promise<Answer<SavingsEstimate | undefined>>;
  /**
   * The tenant of a building, undefined when unknown: the check every tenant-bound call makes. Through
   * the breaker, and kept like an answer, so a tenant's agent still gets stale answers in an outage.
   */
  buildingTenant(buildingId: string): Promise<string | undefined>;
  /** One page of the buildings matching the filters, tenant-filtered in SQL. */
  buildings(query: BuildingsQuery): Promise<Answer<BuildingsPage>>;
  /** A building's registration and its meters' latest readings; data undefined when unknown. */
  buildingDetail(buildingId: string): Promise<Answer<BuildingView | undefined>>;
  /** A building's consumption per meter kind and unit over a range, from the 15-minute rollups. */
  consumptionTotals(query: ConsumptionTotalsQuery): Promise<Answer<ConsumptionTotal[]>>;
  /**
   * The latest reading of each meter of a building (optionally of one kind), from the Redis read
   * model, with that read model's provenance. With PostgreSQL (which keeps the offsets) down, the
   * readings are still answered, naming no offsets rather than failing.
   */
  latestReadingsAnswer(buildingId: string, meterKind?: MeterKind): Promise<Answer<LatestReading[]>>;
  /** A meter's latest reading from the Postgres read model; data undefined when it never reported. */
  meterLatest(meterId: string): Promise<Answer<MeterLatestReading | undefined>>;
  /** The current weather at a station (Redis read model); data undefined before its first observation. */
  stationWeather(stationId: string): Promise<Answer<CurrentWeather | undefined>>;
  /** The current weather of a building through its registered station; data undefined when unregistered. */
  buildingWeather(buildingId: string): Promise<Answer<BuildingWeather | undefined>>;
  /** Audit records (MCP tool calls, re-drives), newest first, from the audit-log read model. */
  auditRecords(query: AuditQuery): Promise<Answer<AuditRecordView[]>>;
  /** A page of failed source records from the dead-letter index, each naming the consumers that refused it. */
  deadLetters(query: DeadLettersQuery): Promise<Answer<DeadLetterPage>>;
  /** One failed source record in full, by the id of any of its letters. */
  deadLetter(letterId: string): Promise<Answer<DeadLetterDetail | undefined>>;
  /** Calls, errors and duration percentiles per component and operation over a window. */
  operationSummary(query: OperationSummaryQuery): Promise<Answer<OperationSummary[]>>;
  /**
   * Every projection's generations with their stored offsets, and the catalogue topics it handles
   * (none listed for the dead-letter index, which reads every dead-letter topic and the audit log).
   */
  projectionGenerations(): Promise<Answer<ProjectionReplayState[]>>;
  /** Rule-based recommendations for a building, each with its evidence; data undefined when unknown. */
  recommendations(query: RecommendationsQuery): Promise<Answer<Recommendations | undefined>>;
  /** The buildings nearest a building in normalised daily and weekly load shape; undefined when unknown. */
  similarBuildings(query: SimilarBuildingsQuery): Promise<Answer<SimilarBuildings | undefined>>;
  /** Monthly EUI of a building against its primary use's peers, with its trend; undefined when unknown. */
  benchmarkTrend(query: BenchmarkTrendQuery): Promise<Answer<BenchmarkTrend | undefined>>;
}

/** A projection's generations and the catalogue topics (keys) its live projector consumes. */
export interface ProjectionReplayState extends ProjectionGenerations {
  readonly handles: readonly string[];
}

/** The clients the query layer reads and what wraps its reads; the platform's clients fit. */
export interface QueryLayerDeps {
  /** A pool whose connections have `search_path` set to the read models' schema. */
  readonly pool: pg.Pool;
  /** The Redis of the Redis read models; also where kept answers live with `keepLastKnownGood`. */
  readonly redis: Redis;
  /** Where the lookups' read spans go; the global tracer by default. */
  readonly tracer?: Tracer;
  /** Answers latest readings from the tool-result cache when given (category `sensors`). */
  readonly cache?: ToolResultCache;
  /**
   * The process's breakers (the platform's): every query answer goes through `postgres`, kept answers
   * through `redis`. A private set by default.
   */
  readonly breakers?: Pick<CircuitBreakers, 'postgres' | 'redis'>;
  /**
   * Keep the last good answer of each query in `redis`, to serve while PostgreSQL is unavailable;
   * without it a PostgreSQL outage fails every query. Off by default.
   */
  readonly keepLastKnownGood?: boolean;
  /** How long a kept answer lives after its last fresh read (default 7 days). */
  readonly lastKnownGoodTtlSeconds?: number;
  /** A read taking longer than this counts as PostgreSQL being unavailable (default 10 s). */
  readonly timeoutMs?: number;
  /** Where failures to keep an answer are reported (they never fail the fresh answer). */
  readonly logger?: Logger;
  /** The clock of kept answers' ages (tests inject one). */
  readonly now?: () => number;
}

const latest = (dates: readonly (Date | null | undefined)[]): Date | null =>
  dates.reduce<Date | null>((max, d) => (d != null && (max === null || d > max) ? d : max), null);

/**
 * Builds the query layer. Each query answer is read in one REPEATABLE READ, read-only transaction
 * together with the provenance of the read models it used: Postgres projections commit their rows
 * and offsets together, so the offsets reported are exactly those the rows reflect.
 */
export function createQueryLayer(deps: QueryLayerDeps): QueryLayer {
  const { pool, logger, timeoutMs = 10_000 } = deps;
  const now = deps.now ?? Date.now;
  const breakers = deps.breakers ?? createCircuitBreakers(logger ? { logger } : {});
  const kept = deps.keepLastKnownGood
    ? createLastKnownGood({
        redis: deps.redis,
        breaker: breakers.redis,
        now,
        ...(deps.lastKnownGoodTtlSeconds === undefined ? {} : { ttlSeconds: deps.lastKnownGoodTtlSeconds }),
      })
    : undefined;

  async function readFresh<T>(
    projections: readonly string[],
    read: (client: pg.ClientBase) => Promise<T>,
    dataUntil: (data: T) => Date | null,
    asOf: Date | undefined,
  ): Promise<AnswerBody<T>> {
    const client = await pool.connect();
    // A connection lost while checked out also fails the running query (handled below); pg emits it as
    // an 'error' event as well, which would crash the process without a listener.
    const ignoreLost = () => undefined;
    client.on('error', ignoreLost);
    let lost = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const data = await read(client);
      const provenance = await readProvenance(client, projections);
      await client.query('COMMIT');
      const until = dataUntil(data);
      if (asOf === undefined) return { data, provenance, dataUntil: until };
      // The queries already bound their rows by asOf; the clamp keeps the promise whatever a
      // dataUntil function reports (e.g. a bucket's end).
      return { data, provenance, dataUntil: until !== null && until > asOf ? asOf : until, asOf };
    } catch (error) {
      lost = isNetworkFailure(error);
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignoreLost);
      // A broken connection is discarded, not handed to the next query.
      client.release(lost);
    }
  }

  /** The kept answer of a query PostgreSQL could not answer, or the typed error saying so. */
  async function degraded<T>(name: string, args: unknown, failure: EaioError): Promise<Answer<T>> {
    let recalled: KeptAnswer<T> | undefined;
    let keptFailure = '';
    try {
      recalled = await kept?.recall<T>(name, args);
    } catch (error) {
      keptFailure = ` (kept answers unreadable: ${error instanceof Error ? error.message : String(error)})`;
    }
    if (recalled !== undefined) {
      return {
        ...recalled.answer,
        stale: true,
        staleSince: recalled.storedAt,
        ageMs: Math.max(0, now() - recalled.storedAt.getTime()),
        reason: failure.message,
      };
    }
    const retryIn = Math.max(1, Math.ceil(breakers.postgres.retryInMs() / 1000));
    throw new EaioError(
      'DEPENDENCY_UNAVAILABLE',
      'transient',
      `PostgreSQL is unavailable; no cached answer for ${name} ${JSON.stringify(normaliseArguments(args))}${keptFailure}; retry in ${retryIn} s. Cause: ${failure.message}`,
      { cause: failure, context: { dependency: 'postgres', query: name, retryInMs: retryIn * 1000 } },
    );
  }

  /**
   * One query through the breaker: a fresh answer is kept (best effort) and returned `stale: false`;
   * when PostgreSQL is unavailable the kept one is served instead. Other errors (bad arguments, a
   * failing statement) are thrown as they are.
   */
  async function answer<T>(
    name: string,
    args: unknown,
    projections: readonly string[],
    read: (client: pg.ClientBase) => Promise<T>,
    dataUntil: (data: T) => Date | null,
    asOf?: Date,
  ): Promise<Answer<T>> {
    let fresh: AnswerBody<T>;
    try {
      fresh = await breakers.postgres.execute(() => readFresh(projections, read, dataUntil, asOf), {
        timeoutMs,
      });
    } catch (error) {
      if (error instanceof EaioError && error.code === 'DEPENDENCY_UNAVAILABLE')
        return degraded(name, args, error);
      throw error;
    }
    if (kept !== undefined) {
      // Keeping is for a later outage; failing to keep must not fail the answer in hand.
      await kept.remember(name, args, fresh).catch((error: unknown) => {
        logger?.warn({ err: error, query: name }, 'last good answer not kept');
      });
    }
    return { ...fresh, stale: false };
  }

  /**
   * A plain value (no provenance) read through the breaker and kept like an answer: the per-call
   * tenant check must not be what fails a tenant's agent while PostgreSQL is down.
   */
  async function keptValue<T>(name: string, args: unknown, read: () => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await breakers.postgres.execute(read, { timeoutMs });
    } catch (error) {
      if (error instanceof EaioError && error.code === 'DEPENDENCY_UNAVAILABLE')
        return (await degraded<T>(name, args, error)).data;
      throw error;
    }
    if (kept !== undefined) {
      await kept
        .remember(name, args, { data: value, provenance: [], dataUntil: null })
        .catch((error: unknown) => {
          logger?.warn({ err: error, query: name }, 'last good answer not kept');
        });
    }
    return value;
  }

  /**
   * An answer from a Redis read model: its provenance (the engine keeps every generation's offsets in
   * PostgreSQL) read first, through the breaker, so the data is at least as new as the offsets named.
   */
  async function redisAnswer<T>(
    projection: string,
    read: () => Promise<T>,
    dataUntil: (data: T) => Date | null,
  ): Promise<Answer<T>> {
    const provenance = await breakers.postgres.execute(() => readProvenance(pool, [projection]), {
      timeoutMs,
    });
    const data = await breakers.redis.execute(read, { timeoutMs });
    return { data, provenance, dataUntil: dataUntil(data), stale: false };
  }

  const weatherKeyspace = () => activeCurrentWeatherKeyspace(deps.redis);

  const lookups = createLookups(deps);
  return {
    ...lookups,
    latestReadingsAnswer: async (buildingId, meterKind) => {
      // The offsets first, so the readings are at least as new as what the provenance names.
      const provenance = await breakers.postgres
        .execute(() => readProvenance(pool, [latestReadingsProjection.name]), { timeoutMs })
        .catch((error: unknown) => {
          if (error instanceof EaioError && error.code === 'DEPENDENCY_UNAVAILABLE') return [];
          throw error;
        });
      const data = await lookups.latestReadings(buildingId, meterKind);
      return { data, provenance, dataUntil: latest(data.map((r) => r.occurredAt)), stale: false };
    },
    buildingTenant: async (buildingId) => {
      const read = () =>
        keptValue('buildingTenant', { buildingId }, () => readBuildingTenant(pool, buildingId));
      if (deps.cache === undefined) return read();
      // Checked on every call of a tenant's agent: from the cache (category `buildings`), invalidated by
      // the building's next registration (tag `building-info:<id>`), which is what could change it.
      const { value } = await deps.cache.getOrCompute(
        'buildings',
        `building-tenant:${buildingId}`,
        async () => ({ tenant: (await read()) ?? null }),
        { tags: [buildingInfoTag(buildingId)] },
      );
      return value.tenant ?? undefined;
    },
    buildings: (query) =>
      answer(
        'buildings',
        query,
        ['buildings'],
        (c) => queryBuildings(c, query),
        (page) => latest(page.buildings.map((b) => b.registeredAt)),
      ),
    buildingDetail: (buildingId) =>
      answer(
        'buildingDetail',
        { buildingId },
        ['buildings', 'readings'],
        (c) => readBuilding(c, buildingId),
        (b) => latest([b?.registeredAt, ...(b?.meters.map((m) => m.lastReadingAt) ?? [])]),
      ),
    consumptionTotals: (query) =>
      answer(
        'consumptionTotals',
        query,
        ['rollups'],
        (c) => queryConsumptionTotals(c, query),
        (rows) => latest(rows.map((r) => r.until)),
        query.asOf,
      ),
    meterLatest: (meterId) =>
      answer(
        'meterLatest',
        { meterId },
        ['readings'],
        (c) => readMeterLatest(c, meterId),
        (r) => r?.occurredAt ?? null,
      ),
    stationWeather: (stationId) =>
      redisAnswer(
        CURRENT_WEATHER,
        async () => {
          const keyspace = await weatherKeyspace();
          return keyspace === undefined ? undefined : readStationWeather(deps.redis, keyspace, stationId);
        },
        (w) => w?.observedAt ?? null,
      ),
    buildingWeather: (buildingId) =>
      redisAnswer(
        CURRENT_WEATHER,
        async () => {
          const keyspace = await weatherKeyspace();
          return keyspace === undefined ? undefined : readBuildingWeather(deps.redis, keyspace, buildingId);
        },
        (w) => w?.weather?.observedAt ?? null,
      ),
    consumption: (query) =>
      answer(
        'consumption',
        query,
        ['rollups'],
        (c) => queryConsumption(c, query),
        (rows) => latest(rows.map((r) => r.end)),
        query.asOf,
      ),
    benchmark: (query) =>
      answer(
        'benchmark',
        query,
        ['rollups', 'buildings'],
        (c) => queryBenchmark(c, query),
        (b) => b?.dataUntil ?? null,
        query.asOf,
      ),
    anomalies: (query) =>
      answer(
        'anomalies',
        query,
        ['anomalies'],
        (c) => queryAnomalies(c, query),
        (rows) => latest(rows.map((r) => r.occurredAt)),
        query.asOf,
      ),
    dataQuality: (query) =>
      answer(
        'dataQuality',
        query,
        ['data-quality-issues', 'readings'],
        (c) => queryDataQualityReport(c, query),
        (report) => latest(report.byKind.map((k) => k.last)),
        query.asOf,
      ),
    weatherNormalised: (query) =>
      answer(
        'weatherNormalised',
        query,
        ['rollups', 'weather', 'buildings'],
        (c) => queryWeatherNormalised(c, query),
        (result) => latest(result?.samples.map((s) => s.start) ?? []),
        query.asOf,
      ),
    savings: (query) =>
      answer(
        'savings',
        query,
        ['rollups', 'weather', 'buildings'],
        (c) => querySavings(c, query),
        (result) => result?.dataUntil ?? null,
        query.asOf,
      ),
    forecast: (query) =>
      answer(
        'forecast',
        query,
        ['forecasts', 'models', 'meters', 'buildings'],
        (c) => queryForecast(c, query),
        (view) => latest(view?.meters.map((m) => m.issuedAt) ?? []),
      ),
    liveAccuracy: (query) =>
      answer(
        'liveAccuracy',
        query,
        ['forecasts', 'rollups'],
        (c) => queryLiveAccuracy(c, query),
        (rows) => latest(rows.map((r) => r.lastHour)),
      ),
    models: (query) =>
      answer(
        'models',
        query,
        ['models'],
        (c) => queryModels(c, query),
        (rows) => latest(rows.map((r) => r.trainedAt)),
      ),
    deadLetters: (query) =>
      answer(
        'deadLetters',
        query,
        ['dead-letters'],
        (c) => queryDeadLetters(c, query),
        (page) => latest(page.entries.map((e) => e.lastFailedAt)),
      ),
    deadLetter: (letterId) =>
      answer(
        'deadLetter',
        { letterId },
        ['dead-letters'],
        (c) => queryDeadLetter(c, letterId),
        (detail) => detail?.lastFailedAt ?? null,
      ),
    operationSummary: (query) =>
      answer(
        'operationSummary',
        query,
        ['operation-stats'],
        (c) => queryOperationSummary(c, query),
        (rows) => latest(rows.map((r) => r.lastMinute)),
      ),
    projectionGenerations: () =>
      answer(
        'projectionGenerations',
        {},
        [],
        async (c) =>
          (await queryProjectionGenerations(c)).map((p) => ({
            ...p,
            handles: [...(PROJECTIONS.find((d) => d.name === p.projection)?.handles ?? [])],
          })),
        // Bookkeeping, not events: no event time to report (each generation says when it last applied).
        () => null,
      ),
    commandTimeline: (query) =>
      answer(
        'commandTimeline',
        query,
        ['control-commands', 'buildings'],
        (c) => queryCommandTimeline(c, query),
        (rows) => latest(rows.map((r) => r.occurredAt)),
      ),
    dataQualityIssues: (query) =>
      answer(
        'dataQualityIssues',
        query,
        ['data-quality-issues'],
        (c) => queryDataQualityIssues(c, query),
        (rows) => latest(rows.map((r) => r.occurredAt)),
      ),
    weatherHours: (query) =>
      answer(
        'weatherHours',
        query,
        ['weather'],
        (c) => queryWeatherHours(c, query),
        (rows) => latest(rows.map((r) => r.hourStart)),
      ),
    commandStatus: (commandId) =>
      answer(
        'commandStatus',
        { commandId },
        ['control-commands'],
        (c) => queryCommandStatus(c, commandId),
        (status) => status?.statusAt ?? null,
      ),
    recommendations: (query) =>
      answer(
        'recommendations',
        query,
        ['rollups', 'buildings', 'anomalies', 'data-quality-issues', 'weather'],
        (c) => queryRecommendations(c, query),
        (r) => r?.dataUntil ?? null,
        query.asOf,
      ),
    similarBuildings: (query) =>
      answer(
        'similarBuildings',
        query,
        ['rollups', 'buildings'],
        (c) => querySimilarBuildings(c, query),
        (s) => s?.dataUntil ?? null,
        query.asOf,
      ),
    benchmarkTrend: (query) =>
      answer(
        'benchmarkTrend',
        query,
        ['rollups', 'buildings'],
        (c) => queryBenchmarkTrend(c, query),
        (t) => t?.dataUntil ?? null,
        query.asOf,
      ),
    auditRecords: (query) =>
      answer(
        'auditRecords',
        query,
        ['audit-log'],
        (c) => queryAuditRecords(c, query),
        // Newest first: the first record is the newest event behind the answer.
        (records) => records[0]?.occurredAt ?? null,
      ),
  };
}
