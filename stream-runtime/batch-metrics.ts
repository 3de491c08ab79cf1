import type { StreamMetrics } from '../infra/metrics/index.ts';
import { type DeadLetter, errorCodeOf } from './dead-letters.ts';

/** The per-batch metrics every consumer records, under its component name. */
export interface BatchMeter {
  /** The size of one batch the component handled. */
  batchSize(topic: string, size: number): void;
  /** Events of `topic` the component took in (nothing is recorded for none). */
  consumed(topic: string, count: number): void;
  /** Each letter once, by source topic, stage and error code; call it once they are durable. */
  deadLetters(letters: readonly DeadLetter[]): void;
}

const NO_METER: BatchMeter = {
  batchSize: () => undefined,
  consumed: () => undefined,
  deadLetters: () => undefined,
};

/** A {@link BatchMeter} recording into `metrics` as `component`; one that records nothing without them. */
export function batchMeter(metrics: StreamMetrics | undefined, component: string): BatchMeter {
  if (metrics === undefined) return NO_METER;
  return {
    batchSize: (topic, size) => metrics.observeBatchSize(component, topic, size),
    consumed: (topic, count) => {
      if (count > 0) metrics.countConsumed(component, topic, count);
    },
    deadLetters: (letters) => {
      for (const letter of letters) {
        metrics.countDeadLetter({
          topic: letter.sourceTopic,
          stage: letter.stage,
          code: errorCodeOf(letter.error),
        });
      }
    },
  };
}
