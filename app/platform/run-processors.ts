import {
  type CatalogProcessorDeps,
  PROCESSORS,
  type ProcessorName,
  type RunningProcessor,
  runNamedProcessor,
} from '../../processors/index.ts';
import type { Platform } from './connect-platform.ts';

/** Every catalogue processor, in the order their outputs feed each other. */
export const ALL_PROCESSORS = Object.keys(PROCESSORS) as ProcessorName[];

/** The process's metrics, operation recorder and current quality thresholds, when it has them. */
export interface RunProcessorsOptions
  extends Pick<CatalogProcessorDeps, 'metrics' | 'operations' | 'qualityThresholds' | 'failpoints'> {
  /** Which catalogue processors to run; all of them by default. */
  readonly processors?: readonly ProcessorName[];
}

/** Processors running in this process: their consumer groups, and one stop for all of them. */
export interface RunningProcessors {
  readonly groupIds: readonly string[];
  stop(): Promise<void>;
}

/**
 * Runs the named catalogue processors (all by default) in this process, each in its own consumer
 * group as `eaio process <name>` would, so the derived topics (aggregates, anomalies, data quality,
 * hourly weather, control decisions) fill while the projector folds them. Stops them all together.
 */
export async function runProcessors(
  platform: Platform,
  options: RunProcessorsOptions = {},
): Promise<RunningProcessors> {
  const { processors = ALL_PROCESSORS, ...extra } = options;
  const deps = { ...platform, sessionTimeoutMs: platform.config.kafka.sessionTimeoutMs, ...extra };
  const started = await Promise.allSettled(processors.map((name) => runNamedProcessor(deps, name)));
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = async () => {
    await Promise.allSettled(running.map((p: RunningProcessor) => p.stop()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await stopAll();
    throw failed.reason;
  }
  return { groupIds: running.map((p) => p.groupId), stop: stopAll };
}
