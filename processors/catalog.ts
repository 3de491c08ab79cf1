import { filter, map } from 'rxjs';
import { detectAnomalies } from './anomalies/index.ts';
import { dataQuality } from './data-quality/index.ts';
import { validateReading } from './readings-validation/index.ts';
import {
  type ProcessorDefinition,
  type ProcessorDeps,
  type RunningProcessor,
  runProcessor,
} from './runtime/index.ts';
import { aggregateWindows } from './windows/index.ts';

const HOUR_MS = 3_600_000;

/**
 * Per-meter 15-minute, hourly and daily aggregates. Meter scope only: readings are partitioned by
 * meter, so a building's meters are spread over partitions and a building rollup needs the
 * readings re-keyed by building first (planned).
 */
export const readingAggregatesProcessor: ProcessorDefinition<'sensorReadings', 'readingAggregates'> = {
  name: 'reading-aggregates',
  input: 'sensorReadings',
  output: 'readingAggregates',
  validate: validateReading,
  operator: () =>
    aggregateWindows({
      windowSizes: ['PT15M', 'PT1H', 'P1D'],
      scope: 'meter',
      maxOutOfOrderMs: HOUR_MS,
      allowedLatenessMs: 6 * HOUR_MS,
    }),
  outputKey: (aggregate) => aggregate.meterId ?? aggregate.buildingId,
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
 * Data-quality issues of the readings (the flagged readings themselves stay in the operator's
 * output for in-process use; the log keeps the raw readings and, beside them, the issues).
 */
export const dataQualityProcessor: ProcessorDefinition<'sensorReadings', 'dataQualityIssues'> = {
  name: 'data-quality',
  input: 'sensorReadings',
  output: 'dataQualityIssues',
  validate: validateReading,
  operator: () => (readings) =>
    readings.pipe(
      dataQuality(),
      filter((output) => output.kind === 'issue'),
      map((output) => output.issue),
    ),
  outputKey: (issue) => issue.meterId,
};

/** Every processor `eaio process <name>` can run, by name. */
export const PROCESSORS = {
  'reading-aggregates': readingAggregatesProcessor,
  anomalies: anomaliesProcessor,
  'data-quality': dataQualityProcessor,
} as const;

export type ProcessorName = keyof typeof PROCESSORS;

/** Starts a catalogue processor by name (a switch keeps each definition's types exact). */
export function runNamedProcessor(deps: ProcessorDeps, name: ProcessorName): Promise<RunningProcessor> {
  switch (name) {
    case 'reading-aggregates':
      return runProcessor(deps, readingAggregatesProcessor);
    case 'anomalies':
      return runProcessor(deps, anomaliesProcessor);
    case 'data-quality':
      return runProcessor(deps, dataQualityProcessor);
  }
}
