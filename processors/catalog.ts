import { filter, identity, map } from 'rxjs';
import { HOUR_MS } from '../schemas/index.ts';
import { detectAnomalies } from './anomalies/index.ts';
import {
  controlSafety,
  validateControlCommand,
  validateControlOutcome,
  validateControlPoint,
  validatePointValue,
} from './control-safety/index.ts';
import { dataQuality, type QualityThresholds, withQualityThresholds } from './data-quality/index.ts';
import { validateReading } from './readings-validation/index.ts';
import {
  type MultiInputProcessorDefinition,
  type ProcessorDefinition,
  type ProcessorDeps,
  type RunningProcessor,
  runProcessor,
} from './runtime/index.ts';
import { hourlyWeather, rejectLateObservations } from './weather/index.ts';
import { type AggregateWindowsOptions, aggregateWindows } from './windows/index.ts';

/** Windows, watermark and lateness shared by the meter and the building aggregates. */
const READING_WINDOWS = {
  windowSizes: ['PT15M', 'PT1H', 'P1D'],
  maxOutOfOrderMs: HOUR_MS,
  allowedLatenessMs: 6 * HOUR_MS,
} as const satisfies Omit<AggregateWindowsOptions, 'scope'>;

/**
 * Per-meter 15-minute, hourly and daily aggregates. Meter scope only: readings are partitioned by
 * meter, so a building's meters are spread over partitions; building rollups run on the readings
 * re-keyed by building ({@link buildingAggregatesProcessor}).
 */
export const readingAggregatesProcessor: ProcessorDefinition<'sensorReadings', 'readingAggregates'> = {
  name: 'reading-aggregates',
  input: 'sensorReadings',
  output: 'readingAggregates',
  validate: validateReading,
  operator: () => aggregateWindows({ ...READING_WINDOWS, scope: 'meter' }),
  outputKey: (aggregate) => aggregate.meterId ?? aggregate.buildingId,
};

/**
 * The repartition step of building rollups: every reading, unchanged (same eventId), re-keyed by
 * building, so all meters of a building meet in one partition of readings-by-building.
 */
export const readingsByBuildingProcessor: ProcessorDefinition<'sensorReadings', 'readingsByBuilding'> = {
  name: 'readings-by-building',
  input: 'sensorReadings',
  output: 'readingsByBuilding',
  validate: validateReading,
  operator: () => identity,
  outputKey: (reading) => reading.buildingId,
};

/**
 * Per-building (and per meter kind and unit) aggregates in the same windows as the per-meter ones,
 * on the same topic. Event ids carry the scope, so they never collide with per-meter aggregates.
 * The re-keyed partition interleaves the source partitions in the order the re-keyer committed
 * them: live that is within the hour of out-of-order allowance; during a backfill a building's
 * meters can be far apart, and windows stated early are restated (revisions, corrections, deltas).
 */
export const buildingAggregatesProcessor: ProcessorDefinition<'readingsByBuilding', 'readingAggregates'> = {
  name: 'building-aggregates',
  input: 'readingsByBuilding',
  output: 'readingAggregates',
  validate: validateReading,
  operator: () => aggregateWindows({ ...READING_WINDOWS, scope: 'building' }),
  outputKey: (aggregate) => aggregate.buildingId,
};

/** Per-meter anomalies against an hour-of-week baseline. */
export const anomaliesProcessor: ProcessorDefinition<'sensorReadings', 'anomalies'> = {
  name: 'anomalies',
  input: 'sensorReadings',
  output: 'anomalies',
  validate: validateReading,
  operator: () => detectAnomalies({}),
  outputKey: (anomaly) => anomaly.meterId,
};

/**
 * BDG1 stations report every 20 to 60 minutes and the files are in time order, so disorder on the
 * topic comes from delivery (a gateway re-sending an observation after the next one). One hour of
 * lateness, the longest regular interval, lets an observation arrive after its successor and still
 * count; it delays an hour's event by at most about two hours of station time (its end + 1 h, then
 * the next observation), nothing for degree-hours summed per day. Longer gaps (BDG1 has 6 h
 * outages) are missing data, not disorder, and lateness would not fill them.
 */
const WEATHER_LATENESS_MS = HOUR_MS;

/**
 * Hourly weather per station from irregular observations. An observation for an hour already
 * emitted is dead-lettered (`EVENT_TOO_LATE`): the hourly event is final, and the letter keeps it visible.
 */
export const weatherHourlyProcessor: ProcessorDefinition<'weatherObservations', 'weatherHourly'> = {
  name: 'weather-hourly',
  input: 'weatherObservations',
  output: 'weatherHourly',
  operator: () =>
    hourlyWeather({
      allowedLatenessMs: WEATHER_LATENESS_MS,
      onLate: rejectLateObservations(WEATHER_LATENESS_MS),
    }),
  outputKey: (hour) => hour.stationId,
};

/**
 * Data-quality issues of the readings (the flagged readings themselves stay in the operator's
 * output for in-process use; the log keeps the raw readings and, beside them, the issues).
 *
 * `thresholds` (the reloadable `quality` config section) is read each time the runtime builds a
 * partition's operator: on assignment, and when it rebuilds one after an operator failure. Both
 * rebuild the state by replaying the partition's log through the new operator, so a partition's
 * issues always come from one set of thresholds applied to its whole log. Swapping thresholds inside
 * a running operator instead would make the output depend on where the reload fell between batches,
 * which no replay could reproduce. Issues already on the topic stay as they were.
 */
export function createDataQualityProcessor(
  thresholds: () => QualityThresholds | undefined = () => undefined,
): ProcessorDefinition<'sensorReadings', 'dataQualityIssues'> {
  return {
    name: 'data-quality',
    input: 'sensorReadings',
    output: 'dataQualityIssues',
    validate: validateReading,
    operator: () => {
      const current = thresholds();
      const options = current === undefined ? {} : withQualityThresholds(current);
      return (readings) =>
        readings.pipe(
          dataQuality(options),
          filter((output) => output.kind === 'issue'),
          map((output) => output.issue),
        );
    },
    outputKey: (issue) => issue.meterId,
  };
}

/** The data-quality processor with the built-in thresholds. */
export const dataQualityProcessor = createDataQualityProcessor();

/**
 * Decides every control command against the point registrations and the points' device values (two
 * global tables), the commands before it and the outcomes that freed their slots (co-partitioned by
 * buildingId/pointId). Point values are a table, not a co-partitioned input, for two reasons: the
 * topic is keyed by pointId (3 partitions, not the commands' 6), and the dead band needs the value of
 * the zone's other setpoint, whose commands live on another partition. The merge is by event time, so
 * a decision depends on what happened before the command, not on when the runtime happened to fetch
 * it; `processors/runtime/merge-order.ts` says where live and replay can still differ. Decisions are
 * keyed like the commands, so one point's decisions stay in command order.
 */
export const controlSafetyProcessor: MultiInputProcessorDefinition<
  'controlCommands' | 'controlOutcomes',
  'controlPoints' | 'pointValues',
  'controlDecisions'
> = {
  name: 'control-safety',
  inputs: ['controlCommands', 'controlOutcomes'],
  tables: ['controlPoints', 'pointValues'],
  output: 'controlDecisions',
  validate: {
    controlCommands: validateControlCommand,
    controlOutcomes: validateControlOutcome,
    controlPoints: validateControlPoint,
    pointValues: validatePointValue,
  },
  operator: () => controlSafety(),
  outputKey: (decision) => `${decision.buildingId}/${decision.pointId}`,
};

/** Every processor `eaio process <name>` can run, by name. */
export const PROCESSORS = {
  'reading-aggregates': readingAggregatesProcessor,
  anomalies: anomaliesProcessor,
  'control-safety': controlSafetyProcessor,
  'data-quality': dataQualityProcessor,
  'weather-hourly': weatherHourlyProcessor,
  'readings-by-building': readingsByBuildingProcessor,
  'building-aggregates': buildingAggregatesProcessor,
} as const;

export type ProcessorName = keyof typeof PROCESSORS;

/** What a catalogue processor may take beyond the runtime's deps. */
export interface CatalogProcessorDeps extends ProcessorDeps {
  /** Current base thresholds of the data-quality processor (see {@link createDataQualityProcessor}). */
  readonly qualityThresholds?: () => QualityThresholds | undefined;
}

/** Starts a catalogue processor by name (a switch keeps each definition's types exact). */
export function runNamedProcessor(
  deps: CatalogProcessorDeps,
  name: ProcessorName,
): Promise<RunningProcessor> {
  switch (name) {
    case 'reading-aggregates':
      return runProcessor(deps, readingAggregatesProcessor);
    case 'anomalies':
      return runProcessor(deps, anomaliesProcessor);
    case 'control-safety':
      return runProcessor(deps, controlSafetyProcessor);
    case 'data-quality':
      return runProcessor(
        deps,
        deps.qualityThresholds ? createDataQualityProcessor(deps.qualityThresholds) : dataQualityProcessor,
      );
    case 'weather-hourly':
      return runProcessor(deps, weatherHourlyProcessor);
    case 'readings-by-building':
      return runProcessor(deps, readingsByBuildingProcessor);
    case 'building-aggregates':
      return runProcessor(deps, buildingAggregatesProcessor);
  }
}
