import type pg from 'pg';
import { type AnomaliesQuery, type AnomalyRow, queryAnomalies } from './anomalies.ts';
import { type BenchmarkQuery, type BuildingBenchmark, queryBenchmark } from './benchmark.ts';
import { type CommandStatus, queryCommandStatus } from './command-status.ts';
import { type ConsumptionBucket, type ConsumptionQuery, queryConsumption } from './consumption.ts';
import {
  type DataQualityQuery,
  type DataQualityReport,
  queryDataQualityReport,
} from './data-quality-report.ts';
import { type Answer, readProvenance } from './provenance.ts';
import {
  queryWeatherNormalised,
  type WeatherNormalisedConsumption,
  type WeatherNormalisedQuery,
} from './weather-normalised.ts';

/** The typed queries the MCP adapter calls; every answer carries its provenance. */
export interface QueryLayer {
  consumption(query: ConsumptionQuery): Promise<Answer<ConsumptionBucket[]>>;
  benchmark(query: BenchmarkQuery): Promise<Answer<BuildingBenchmark | undefined>>;
  anomalies(query: AnomaliesQuery): Promise<Answer<AnomalyRow[]>>;
  dataQuality(query: DataQualityQuery): Promise<Answer<DataQualityReport>>;
  commandStatus(commandId: string): Promise<Answer<CommandStatus | undefined>>;
  weatherNormalised(query: WeatherNormalisedQuery): Promise<Answer<WeatherNormalisedConsumption | undefined>>;
}

export interface QueryLayerDeps {
  /** A pool whose connections have `search_path` set to the read models' schema. */
  readonly pool: pg.Pool;
}

const latest = (dates: readonly (Date | null | undefined)[]): Date | null =>
  dates.reduce<Date | null>((max, d) => (d != null && (max === null || d > max) ? d : max), null);

/**
 * Builds the query layer. Each answer is read in one REPEATABLE READ, read-only transaction
 * together with the provenance of the read models it used: Postgres projections commit their rows
 * and offsets together, so the offsets reported are exactly those the rows reflect.
 */
export function createQueryLayer({ pool }: QueryLayerDeps): QueryLayer {
  async function answer<T>(
    projections: readonly string[],
    read: (client: pg.ClientBase) => Promise<T>,
    dataUntil: (data: T) => Date | null,
  ): Promise<Answer<T>> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const data = await read(client);
      const provenance = await readProvenance(client, projections);
      await client.query('COMMIT');
      return { data, provenance, dataUntil: dataUntil(data) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    consumption: (query) =>
      answer(
        ['rollups'],
        (c) => queryConsumption(c, query),
        (rows) => latest(rows.map((r) => r.end)),
      ),
    benchmark: (query) =>
      answer(
        ['rollups', 'buildings'],
        (c) => queryBenchmark(c, query),
        () => null,
      ),
    anomalies: (query) =>
      answer(
        ['anomalies'],
        (c) => queryAnomalies(c, query),
        (rows) => latest(rows.map((r) => r.occurredAt)),
      ),
    dataQuality: (query) =>
      answer(
        ['data-quality-issues', 'readings'],
        (c) => queryDataQualityReport(c, query),
        (report) => latest(report.byKind.map((k) => k.last)),
      ),
    weatherNormalised: (query) =>
      answer(
        ['rollups', 'weather', 'buildings'],
        (c) => queryWeatherNormalised(c, query),
        (result) => latest(result?.samples.map((s) => s.start) ?? []),
      ),
    commandStatus: (commandId) =>
      answer(
        ['control-commands'],
        (c) => queryCommandStatus(c, commandId),
        (status) => status?.statusAt ?? null,
      ),
  };
}
